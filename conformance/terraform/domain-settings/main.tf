# An IAM domain with domain settings, default space settings and the deep user settings: the studio web portal,
# a custom POSIX user, EBS limits, idle settings (min_idle_timeout_in_minutes left out), Canvas and the code editor.
resource "aws_sagemaker_domain" "this" {
  domain_name = "tf-settings"
  auth_mode   = "IAM"
  vpc_id      = "vpc-0a1b2c3d"
  subnet_ids  = ["subnet-0a1b2c3d", "subnet-1a2b3c4d"]

  domain_settings {
    security_group_ids             = ["sg-0a1b2c3d"]
    execution_role_identity_config = "USER_PROFILE_NAME"
    docker_settings {
      enable_docker_access = "ENABLED"
    }
  }

  default_space_settings {
    execution_role  = local.role
    security_groups = ["sg-0a1b2c3d"]
    jupyter_lab_app_settings {
      default_resource_spec {
        instance_type = "ml.t3.medium"
      }
    }
    space_storage_settings {
      default_ebs_storage_settings {
        default_ebs_volume_size_in_gb = 5
        maximum_ebs_volume_size_in_gb = 100
      }
    }
    custom_posix_user_config {
      uid = 10000
      gid = 1001
    }
  }

  default_user_settings {
    execution_role  = local.role
    security_groups = ["sg-0a1b2c3d"]
    studio_web_portal_settings {
      hidden_ml_tools = ["DataWrangler", "EmrClusters"]
      hidden_app_types = ["JupyterServer"]
    }
    custom_posix_user_config {
      uid = 10000
      gid = 1001
    }
    space_storage_settings {
      default_ebs_storage_settings {
        default_ebs_volume_size_in_gb = 5
        maximum_ebs_volume_size_in_gb = var.stage == 1 ? 100 : 200
      }
    }
    jupyter_lab_app_settings {
      app_lifecycle_management {
        idle_settings {
          lifecycle_management        = "ENABLED"
          idle_timeout_in_minutes     = var.stage == 1 ? 60 : 120
          max_idle_timeout_in_minutes = 240
        }
      }
    }
    canvas_app_settings {
      time_series_forecasting_settings {
        status = "ENABLED"
      }
      workspace_settings {
        s3_artifact_path = "s3://canvas-bucket/artifacts"
      }
      direct_deploy_settings {
        status = "DISABLED"
      }
    }
    code_editor_app_settings {
      default_resource_spec {
        instance_type = "ml.t3.large"
      }
      app_lifecycle_management {
        idle_settings {
          lifecycle_management    = "ENABLED"
          idle_timeout_in_minutes = 90
        }
      }
    }
  }

  tags = {
    team = "platform"
  }
}

output "domain_id" { value = aws_sagemaker_domain.this.id }
