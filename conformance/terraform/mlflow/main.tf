# An MLflow tracking server for a team's experiments, as a platform module would declare it: its artifact store in
# a bucket prefix, the execution role, a maintenance window, tags. Stage 2 resizes it (UpdateMlflowTrackingServer,
# which Terraform waits on until the server is Updated).
resource "aws_sagemaker_mlflow_tracking_server" "experiments" {
  tracking_server_name            = "team-experiments"
  artifact_store_uri              = "s3://team-ml-artifacts/mlflow"
  role_arn                        = local.role
  mlflow_version                  = "2.16"
  tracking_server_size            = var.stage == 1 ? "Small" : "Medium"
  automatic_model_registration    = true
  weekly_maintenance_window_start = "Sun:02:00"
  tags = {
    team = "ml-platform"
  }
}

output "tracking_server_url" {
  value = aws_sagemaker_mlflow_tracking_server.experiments.tracking_server_url
}
