# A VpcOnly domain with security groups, a user profile without user settings and one with them.
# Stage 2 changes the configured profile; stage 3 changes the domain, which provider 5.100.0 cannot do on AWS either:
# it sends AppNetworkAccessType VpcOnly without VpcId and SubnetIds (terraform-provider-aws issue 45528).
resource "aws_sagemaker_domain" "this" {
  domain_name             = "tf-vpc-only"
  auth_mode               = "IAM"
  app_network_access_type = "VpcOnly"
  vpc_id                  = "vpc-0a1b2c3d"
  subnet_ids              = ["subnet-0a1b2c3d"]

  default_user_settings {
    execution_role  = local.role
    security_groups = var.stage < 3 ? ["sg-0a1b2c3d"] : ["sg-0a1b2c3d", "sg-1a2b3c4d"]
  }
}

resource "aws_sagemaker_user_profile" "plain" {
  domain_id         = aws_sagemaker_domain.this.id
  user_profile_name = "plain"
}

resource "aws_sagemaker_user_profile" "configured" {
  domain_id         = aws_sagemaker_domain.this.id
  user_profile_name = "configured"

  user_settings {
    execution_role  = var.stage == 1 ? local.role : "arn:aws:iam::${var.account}:role/Other"
    security_groups = ["sg-2a3b4c5d"]
    jupyter_server_app_settings {
      default_resource_spec {
        instance_type = "system"
      }
    }
    kernel_gateway_app_settings {
      default_resource_spec {
        instance_type = "ml.t3.medium"
      }
    }
  }

  tags = {
    owner = "data-science"
  }
}

output "domain_id" { value = aws_sagemaker_domain.this.id }
