# A studio lifecycle configuration, app image configurations of every kind, an image with a version, and a domain
# that names the lifecycle configuration and the image (as a custom image) in its defaults.
resource "aws_sagemaker_studio_lifecycle_config" "this" {
  studio_lifecycle_config_name     = "tf-install-tools"
  studio_lifecycle_config_app_type = "JupyterLab"
  studio_lifecycle_config_content  = base64encode("#!/bin/bash\npip install --quiet ruff\n")
  tags = {
    stage = tostring(var.stage)
  }
}

resource "aws_sagemaker_app_image_config" "kernel" {
  app_image_config_name = "tf-kernel"
  kernel_gateway_image_config {
    kernel_spec {
      name         = "python3"
      display_name = var.stage == 1 ? "Python 3" : "Python 3 (team)"
    }
    file_system_config {
      mount_path  = "/home/sagemaker-user"
      default_uid = 1000
      default_gid = 100
    }
  }
}

resource "aws_sagemaker_app_image_config" "lab" {
  app_image_config_name = "tf-lab"
  jupyter_lab_image_config {
    container_config {
      container_arguments = ["--debug"]
      container_environment_variables = {
        TEAM = "platform"
      }
    }
  }
}

resource "aws_sagemaker_app_image_config" "editor" {
  app_image_config_name = "tf-editor"
  code_editor_app_image_config {
    file_system_config {
      mount_path = "/home/sagemaker-user"
    }
  }
}

resource "aws_sagemaker_image" "team" {
  image_name   = "tf-team-image"
  role_arn     = local.role
  display_name = var.stage == 1 ? "Team" : "Team image"
}

resource "aws_sagemaker_image_version" "team" {
  image_name = aws_sagemaker_image.team.id
  base_image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team:1"
}

resource "aws_sagemaker_domain" "this" {
  domain_name = "tf-lifecycle"
  auth_mode   = "IAM"
  vpc_id      = "vpc-0a1b2c3d"
  subnet_ids  = ["subnet-0a1b2c3d"]

  default_user_settings {
    execution_role = local.role
    jupyter_lab_app_settings {
      lifecycle_config_arns = [aws_sagemaker_studio_lifecycle_config.this.arn]
    }
    kernel_gateway_app_settings {
      custom_image {
        app_image_config_name = aws_sagemaker_app_image_config.kernel.id
        image_name            = aws_sagemaker_image_version.team.image_name
        image_version_number  = aws_sagemaker_image_version.team.version
      }
    }
  }
}

output "domain_id" { value = aws_sagemaker_domain.this.id }
