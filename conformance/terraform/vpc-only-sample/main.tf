# The shape of AWS's own VpcOnly sample (aws-samples/sagemaker-domain-vpconly-canvas-with-terraform): the domain's
# security groups are in domain_settings, none in its default user settings; the user profile names its own.
# Written here in that shape, not copied. Stage 2 changes the profile's execution role.
resource "aws_sagemaker_domain" "this" {
  domain_name             = "tf-vpc-only-sample"
  auth_mode               = "IAM"
  app_network_access_type = "VpcOnly"
  vpc_id                  = "vpc-0a1b2c3d"
  subnet_ids              = ["subnet-0a1b2c3d", "subnet-1a2b3c4d"]

  domain_settings {
    security_group_ids = ["sg-0a1b2c3d"]
  }

  default_user_settings {
    execution_role = local.role
    canvas_app_settings {
      time_series_forecasting_settings {
        status = "ENABLED"
      }
    }
  }

  retention_policy {
    home_efs_file_system = "Delete"
  }
}

resource "aws_sagemaker_user_profile" "user" {
  domain_id         = aws_sagemaker_domain.this.id
  user_profile_name = "sample-user"

  user_settings {
    execution_role  = var.stage == 1 ? local.role : "arn:aws:iam::${var.account}:role/Other"
    security_groups = ["sg-0a1b2c3d"]
  }
}

output "domain_id" { value = aws_sagemaker_domain.this.id }
