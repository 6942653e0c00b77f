# The whole stack on one endpoint (docs/upstream.md): every service the configuration uses points at the emulator,
# started with --upstream moto. Written in the style of public Studio modules; applied by
# conformance/test_terraform.py::test_the_whole_stack_applies_on_one_endpoint.
variable "endpoint" { type = string }
variable "account" { type = string }

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.account
  secret_key                  = "x"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
    iam       = var.endpoint
    sts       = var.endpoint
    ec2       = var.endpoint
    kms       = var.endpoint
    s3        = var.endpoint
    sagemaker = var.endpoint
  }
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_iam_policy" "sagemaker_full_access" {
  arn = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "studio-execution"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "full_access" {
  role       = aws_iam_role.execution.name
  policy_arn = data.aws_iam_policy.sagemaker_full_access.arn
}

resource "aws_vpc" "studio" {
  cidr_block           = "10.20.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.studio.id
  cidr_block        = cidrsubnet(aws_vpc.studio.cidr_block, 8, count.index)
  availability_zone = "us-east-1${count.index == 0 ? "a" : "b"}"
}

resource "aws_security_group" "studio" {
  name        = "studio"
  description = "Studio apps"
  vpc_id      = aws_vpc.studio.id
  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_kms_key" "studio" {
  description             = "Studio volumes"
  deletion_window_in_days = 7
}

resource "aws_s3_bucket" "sharing" {
  bucket        = "studio-sharing-${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

resource "aws_sagemaker_studio_lifecycle_config" "startup" {
  studio_lifecycle_config_name     = "startup"
  studio_lifecycle_config_app_type = "JupyterLab"
  studio_lifecycle_config_content  = base64encode("echo ready")
}

resource "aws_sagemaker_domain" "studio" {
  domain_name             = "stack"
  auth_mode               = "IAM"
  vpc_id                  = aws_vpc.studio.id
  subnet_ids              = aws_subnet.private[*].id
  app_network_access_type = "VpcOnly"
  kms_key_id              = aws_kms_key.studio.arn

  domain_settings {
    security_group_ids = [aws_security_group.studio.id]
  }

  default_user_settings {
    execution_role = aws_iam_role.execution.arn
    sharing_settings {
      notebook_output_option = "Allowed"
      s3_output_path         = "s3://${aws_s3_bucket.sharing.bucket}/notebooks"
    }
    jupyter_lab_app_settings {
      lifecycle_config_arns = [aws_sagemaker_studio_lifecycle_config.startup.arn]
    }
  }

  retention_policy {
    home_efs_file_system = "Delete"
  }
}

resource "aws_sagemaker_user_profile" "alice" {
  domain_id         = aws_sagemaker_domain.studio.id
  user_profile_name = "alice"
  user_settings {
    execution_role  = aws_iam_role.execution.arn
    security_groups = [aws_security_group.studio.id]
  }
}

resource "aws_sagemaker_space" "shared" {
  domain_id  = aws_sagemaker_domain.studio.id
  space_name = "team"
  ownership_settings {
    owner_user_profile_name = aws_sagemaker_user_profile.alice.user_profile_name
  }
  space_sharing_settings {
    sharing_type = "Shared"
  }
  space_settings {
    app_type = "JupyterLab"
  }
}

resource "aws_sagemaker_app" "lab" {
  domain_id  = aws_sagemaker_domain.studio.id
  space_name = aws_sagemaker_space.shared.space_name
  app_type   = "JupyterLab"
  app_name   = "default"
}

output "account" { value = data.aws_caller_identity.current.account_id }
output "region" { value = data.aws_region.current.name }
output "domain_arn" { value = aws_sagemaker_domain.studio.arn }
output "role_arn" { value = aws_iam_role.execution.arn }
