# One resource through the hashicorp/aws provider, against var.endpoint: create, read back, destroy.
variable "endpoint" { type = string }
variable "access_key" { type = string }
variable "secret_key" { type = string }
variable "name" { type = string }

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  max_retries                 = 1
  endpoints {
    sagemaker = var.endpoint
  }
}

resource "aws_sagemaker_studio_lifecycle_config" "signed" {
  studio_lifecycle_config_name     = var.name
  studio_lifecycle_config_app_type = "JupyterLab"
  studio_lifecycle_config_content  = base64encode("echo signed")
}

output "arn" { value = aws_sagemaker_studio_lifecycle_config.signed.arn }
