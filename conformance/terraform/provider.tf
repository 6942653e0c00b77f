# Copied into every group's working directory by conformance/test_terraform.py.
variable "endpoint" { type = string }
variable "account" { type = string }
# 1: the configuration as first applied; 2: the same with one attribute changed in place.
variable "stage" {
  type    = number
  default = 1
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.account
  secret_key                  = "x"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    sagemaker = var.endpoint
  }
}

locals {
  role = "arn:aws:iam::${var.account}:role/Studio"
}
