"""MLflow tracking servers with boto3 against the real binary: every operation of the kind, its status machine
(Creating -> Created, Updating -> Updated, Stopping -> Stopped, Starting -> Started, Deleting -> gone), the
statuses that refuse an operation, listing, tags, the presigned URL and a transition failed by a fault rule."""
import re

import pytest

from conftest import wait_for

ROLE = "arn:aws:iam::123456789012:role/mlflow-role"


def error_of(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def status(sm, name):
    return sm.describe_mlflow_tracking_server(TrackingServerName=name)["TrackingServerStatus"]


def test_a_tracking_server_goes_through_its_whole_life(sm, slow_transitions):
    slow_transitions(mlflowTrackingServer=3600)
    created = sm.create_mlflow_tracking_server(
        TrackingServerName="experiments", ArtifactStoreUri="s3://team-bucket/mlflow", RoleArn=ROLE,
        Tags=[{"Key": "team", "Value": "ml"}])
    arn = created["TrackingServerArn"]
    account = arn.split(":")[4]
    assert arn == f"arn:aws:sagemaker:us-east-1:{account}:mlflow-tracking-server/experiments"
    server = sm.describe_mlflow_tracking_server(TrackingServerName="experiments")
    assert (server["TrackingServerStatus"], server["IsActive"]) == ("Creating", "Inactive")
    # What a create without them gets: size Small, no automatic registration, an MLflow version, a URL of AWS's form.
    assert server["TrackingServerSize"] == "Small" and server["AutomaticModelRegistration"] is False
    assert re.fullmatch(r"\d+\.\d+\.\d+", server["MlflowVersion"])
    assert re.fullmatch(r"https://t-[a-z0-9]{12}\.us-east-1\.experiments\.sagemaker\.aws", server["TrackingServerUrl"])
    assert (server["ArtifactStoreUri"], server["RoleArn"]) == ("s3://team-bucket/mlflow", ROLE)
    # A second server of the same name, and an update while it is created, are refused.
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.create_mlflow_tracking_server(TrackingServerName="experiments", ArtifactStoreUri="s3://b/p", RoleArn=ROLE)
    assert error_of(excinfo) == ("ResourceInUse", f"MlflowTrackingServer [{arn}] already exists.")
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.update_mlflow_tracking_server(TrackingServerName="experiments", TrackingServerSize="Large")
    assert error_of(excinfo) == (
        "ConflictException", f"Unable to update MlflowTrackingServer [{arn}] because it is in Creating status.")
    slow_transitions.complete()
    assert wait_for(lambda: status(sm, "experiments"), "Created") == "Created"
    assert sm.describe_mlflow_tracking_server(TrackingServerName="experiments")["IsActive"] == "Active"
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]

    # Update: the members sent change, the others stay; Updating, then Updated (what Terraform waits for).
    sm.update_mlflow_tracking_server(TrackingServerName="experiments", TrackingServerSize="Medium",
                                     AutomaticModelRegistration=True, WeeklyMaintenanceWindowStart="Tue:03:30")
    assert status(sm, "experiments") == "Updating"
    slow_transitions.complete()
    assert wait_for(lambda: status(sm, "experiments"), "Updated") == "Updated"
    server = sm.describe_mlflow_tracking_server(TrackingServerName="experiments")
    assert (server["TrackingServerSize"], server["AutomaticModelRegistration"],
            server["WeeklyMaintenanceWindowStart"], server["ArtifactStoreUri"]) == (
        "Medium", True, "Tue:03:30", "s3://team-bucket/mlflow")
    assert server["LastModifiedTime"] > server["CreationTime"]

    # Stop and start; each refuses the status the other needs.
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.start_mlflow_tracking_server(TrackingServerName="experiments")
    assert error_of(excinfo)[0] == "ConflictException"
    assert sm.stop_mlflow_tracking_server(TrackingServerName="experiments")["TrackingServerArn"] == arn
    assert status(sm, "experiments") == "Stopping"
    slow_transitions.complete()
    assert wait_for(lambda: status(sm, "experiments"), "Stopped") == "Stopped"
    assert sm.describe_mlflow_tracking_server(TrackingServerName="experiments")["IsActive"] == "Inactive"
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.stop_mlflow_tracking_server(TrackingServerName="experiments")
    assert error_of(excinfo) == (
        "ConflictException", f"Unable to stop MlflowTrackingServer [{arn}] because it is in Stopped status.")
    assert sm.start_mlflow_tracking_server(TrackingServerName="experiments")["TrackingServerArn"] == arn
    assert status(sm, "experiments") == "Starting"
    slow_transitions.complete()
    assert wait_for(lambda: status(sm, "experiments"), "Started") == "Started"

    url = sm.create_presigned_mlflow_tracking_server_url(
        TrackingServerName="experiments", ExpiresInSeconds=60, SessionExpirationDurationInSeconds=1800)["AuthorizedUrl"]
    assert re.fullmatch(
        r"https://[a-z0-9]{12}\.us-east-1\.experiments\.sagemaker\.aws\.a2z\.com/auth\?authToken=[A-Za-z0-9_.-]+", url)

    assert sm.delete_mlflow_tracking_server(TrackingServerName="experiments")["TrackingServerArn"] == arn
    assert status(sm, "experiments") == "Deleting"
    slow_transitions.complete()
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        wait_for(lambda: status(sm, "experiments"), None)
    assert error_of(excinfo)[1] == f"MlflowTrackingServer [{arn}] does not exist."
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.create_presigned_mlflow_tracking_server_url(TrackingServerName="experiments")
    for call in (sm.start_mlflow_tracking_server, sm.stop_mlflow_tracking_server, sm.delete_mlflow_tracking_server):
        with pytest.raises(sm.exceptions.ResourceNotFound):
            call(TrackingServerName="experiments")


def test_tracking_servers_list_sorted_filtered_and_paged(sm, slow_transitions):
    slow_transitions(mlflowTrackingServer=3600)
    for name in ("b-server", "c-server", "a-server"):
        sm.create_mlflow_tracking_server(TrackingServerName=name, ArtifactStoreUri="s3://bucket/" + name, RoleArn=ROLE,
                                         MlflowVersion="2.13.2" if name == "c-server" else "2.16.2")
    slow_transitions.complete()
    for name in ("a-server", "b-server", "c-server"):
        wait_for(lambda: status(sm, name), "Created")
    sm.stop_mlflow_tracking_server(TrackingServerName="b-server")

    def names(**query):
        pages = sm.get_paginator("list_mlflow_tracking_servers").paginate(
            PaginationConfig={"PageSize": 2}, **query)
        return [s["TrackingServerName"] for page in pages for s in page["TrackingServerSummaries"]]

    # The default: newest first.
    assert names() == ["a-server", "c-server", "b-server"]
    assert names(SortBy="Name", SortOrder="Ascending") == ["a-server", "b-server", "c-server"]
    assert names(SortBy="Status", SortOrder="Ascending") == ["c-server", "a-server", "b-server"]
    assert names(TrackingServerStatus="Stopping") == ["b-server"]
    assert names(MlflowVersion="2.13.2") == ["c-server"]
    summary = sm.list_mlflow_tracking_servers(SortBy="Name", SortOrder="Ascending", MaxResults=1)
    assert set(summary["TrackingServerSummaries"][0]) == {
        "TrackingServerArn", "TrackingServerName", "CreationTime", "LastModifiedTime", "TrackingServerStatus",
        "IsActive", "MlflowVersion"}


def test_the_model_refuses_what_it_constrains(raw_sm):
    bad = [
        dict(TrackingServerName="-bad", ArtifactStoreUri="s3://b/p", RoleArn=ROLE),
        dict(TrackingServerName="good", ArtifactStoreUri="ftp://b/p", RoleArn=ROLE),
        dict(TrackingServerName="good", ArtifactStoreUri="s3://b/p", RoleArn="not-a-role"),
        dict(TrackingServerName="good", ArtifactStoreUri="s3://b/p", RoleArn=ROLE, TrackingServerSize="Huge"),
        dict(TrackingServerName="good", ArtifactStoreUri="s3://b/p", RoleArn=ROLE,
             WeeklyMaintenanceWindowStart="Someday"),
    ]
    for request in bad:
        with pytest.raises(raw_sm.exceptions.ClientError) as excinfo:
            raw_sm.create_mlflow_tracking_server(**request)
        assert error_of(excinfo)[0] == "ValidationException", request
    with pytest.raises(raw_sm.exceptions.ResourceNotFound):
        raw_sm.describe_mlflow_tracking_server(TrackingServerName="good")
    with pytest.raises(raw_sm.exceptions.ClientError) as excinfo:
        raw_sm.create_presigned_mlflow_tracking_server_url(TrackingServerName="good", ExpiresInSeconds=301)
    assert error_of(excinfo)[0] == "ValidationException"


def test_a_fault_rule_fails_a_start(emulator, sm, slow_transitions):
    slow_transitions(mlflowTrackingServer=0)
    sm.create_mlflow_tracking_server(TrackingServerName="flaky", ArtifactStoreUri="s3://b/p", RoleArn=ROLE)
    sm.stop_mlflow_tracking_server(TrackingServerName="flaky")
    assert status(sm, "flaky") == "Stopped"
    slow_transitions(mlflowTrackingServer=0.05)
    code, rule = emulator.control("POST", "faults", {
        "operation": "StartMlflowTrackingServer", "resource": "flaky", "failTransition": {}})
    assert code == 201, rule
    try:
        sm.start_mlflow_tracking_server(TrackingServerName="flaky")
        assert wait_for(lambda: status(sm, "flaky"), "StartFailed") == "StartFailed"
        # A failed start may be tried again.
        emulator.control("DELETE", "faults/" + rule["id"])
        sm.start_mlflow_tracking_server(TrackingServerName="flaky")
        assert wait_for(lambda: status(sm, "flaky"), "Started") == "Started"
    finally:
        emulator.control("DELETE", "faults/" + rule["id"])
