# A domain with a user profile, a private and a shared space, and apps on the profile and on the private space.
resource "aws_sagemaker_domain" "this" {
  domain_name = "tf-spaces"
  auth_mode   = "IAM"
  vpc_id      = "vpc-0a1b2c3d"
  subnet_ids  = ["subnet-0a1b2c3d"]

  default_user_settings {
    execution_role = local.role
  }

  default_space_settings {
    execution_role = local.role
  }

  # Not read back by the provider (so not in the imported groups): an import would plan to replace the domain.
  retention_policy {
    home_efs_file_system = "Delete"
  }
}

resource "aws_sagemaker_user_profile" "alice" {
  domain_id         = aws_sagemaker_domain.this.id
  user_profile_name = "alice"
}

resource "aws_sagemaker_space" "private" {
  domain_id  = aws_sagemaker_domain.this.id
  space_name = "alice-private"

  ownership_settings {
    owner_user_profile_name = aws_sagemaker_user_profile.alice.user_profile_name
  }
  space_sharing_settings {
    sharing_type = "Private"
  }
  space_settings {
    app_type = "JupyterLab"
    jupyter_lab_app_settings {
      default_resource_spec {
        instance_type = "ml.t3.medium"
      }
    }
    space_storage_settings {
      ebs_storage_settings {
        ebs_volume_size_in_gb = var.stage == 1 ? 5 : 10
      }
    }
  }
}

resource "aws_sagemaker_space" "shared" {
  domain_id          = aws_sagemaker_domain.this.id
  space_name         = "team-shared"
  space_display_name = var.stage == 1 ? "Team" : "Team space"

  ownership_settings {
    owner_user_profile_name = aws_sagemaker_user_profile.alice.user_profile_name
  }
  space_sharing_settings {
    sharing_type = "Shared"
  }
  space_settings {
    app_type = "CodeEditor"
  }
}

resource "aws_sagemaker_app" "profile" {
  domain_id         = aws_sagemaker_domain.this.id
  user_profile_name = aws_sagemaker_user_profile.alice.user_profile_name
  app_name          = "default"
  app_type          = "JupyterServer"
  tags = {
    stage = tostring(var.stage)
  }
}

resource "aws_sagemaker_app" "space" {
  domain_id  = aws_sagemaker_domain.this.id
  space_name = aws_sagemaker_space.private.space_name
  app_name   = "default"
  app_type   = "JupyterLab"
  resource_spec {
    instance_type = "ml.t3.medium"
  }
}

output "domain_id" { value = aws_sagemaker_domain.this.id }
