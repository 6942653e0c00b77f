"""A platform team's full day, end to end, through boto3.

Its only configuration is the endpoint: SAGEMAKER_ENDPOINT_URL when set, else the emulator this suite starts. It polls
like Terraform does (while Pending/Updating until InService; while Deleting until ResourceNotFound), so it waits as long
as the service behind the endpoint takes.
"""
import os
import time
import uuid

import boto3
import pytest
from botocore.config import Config

ROLE = "arn:aws:iam::111111111111:role/PlatformExecution"


@pytest.fixture
def client(emulator):
    endpoint = os.environ.get("SAGEMAKER_ENDPOINT_URL", emulator.url)
    return boto3.client("sagemaker", endpoint_url=endpoint, region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "210987654321"),
                        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "secret"),
                        config=Config(retries={"max_attempts": 1}))


def poll(read, until, timeout=1800):
    """Reads a status until it is in `until`; None when the resource is gone (ResourceNotFound)."""
    deadline, pause = time.monotonic() + timeout, 0.02
    while True:
        try:
            status = read()
        except Exception as error:  # noqa: BLE001 - the modelled ResourceNotFound of any operation
            if getattr(error, "response", {}).get("Error", {}).get("Code") != "ResourceNotFound":
                raise
            status = None
        if status in until:
            return status
        assert time.monotonic() < deadline, f"still {status}"
        time.sleep(pause)
        pause = min(pause * 2, 5)


def test_a_platform_teams_day(client):
    # Morning: a domain for the team, then its defaults.
    domain_id = client.create_domain(
        DomainName=f"platform-{uuid.uuid4().hex[:8]}", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=["subnet-0a1b2c3d"], VpcId="vpc-0a1b2c3d")["DomainId"]
    describe_domain = lambda: client.describe_domain(DomainId=domain_id)["Status"]
    assert poll(describe_domain, {"InService", "Failed"}) == "InService"
    client.update_domain(DomainId=domain_id, DefaultUserSettings={
        "SecurityGroups": ["sg-0platform"],
        "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.large"}}})
    assert poll(describe_domain, {"InService", "Update_Failed"}) == "InService"

    # The team arrives: profiles created without settings have none of their own (the domain's apply where used).
    team = ["ana", "ben", "chloe"]
    for name in team:
        client.create_user_profile(DomainId=domain_id, UserProfileName=name)
    for name in team:
        read = lambda name=name: client.describe_user_profile(DomainId=domain_id, UserProfileName=name)["Status"]
        assert poll(read, {"InService", "Failed"}) == "InService"
        assert "UserSettings" not in client.describe_user_profile(DomainId=domain_id, UserProfileName=name)
    listed = client.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"]
    assert sorted(profile["UserProfileName"] for profile in listed) == team

    # Everyone starts JupyterLab, which inherits the instance type.
    for name in team:
        client.create_app(DomainId=domain_id, UserProfileName=name, AppType="JupyterLab", AppName="default")
    for name in team:
        read = lambda name=name: client.describe_app(
            DomainId=domain_id, UserProfileName=name, AppType="JupyterLab", AppName="default")["Status"]
        assert poll(read, {"InService", "Failed"}) == "InService"
        app = client.describe_app(DomainId=domain_id, UserProfileName=name, AppType="JupyterLab", AppName="default")
        assert app["ResourceSpec"]["InstanceType"] == "ml.t3.large"

    # Security asks for VpcOnly: refused while apps run, and nothing changes.
    with pytest.raises(client.exceptions.ClientError) as refused:
        client.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly", VpcId="vpc-0a1b2c3d",
                             DefaultUserSettings={"SecurityGroups": ["sg-0a1b2c3d"]},
                             SubnetIds=["subnet-0a1b2c3d"])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "with InService App" in refused.value.response["Error"]["Message"]
    assert client.describe_domain(DomainId=domain_id)["AppNetworkAccessType"] == "PublicInternetOnly"

    # Stop the apps, then switch.
    for name in team:
        client.delete_app(DomainId=domain_id, UserProfileName=name, AppType="JupyterLab", AppName="default")
    for name in team:
        read = lambda name=name: client.describe_app(
            DomainId=domain_id, UserProfileName=name, AppType="JupyterLab", AppName="default")["Status"]
        assert poll(read, {"Deleted", None}) in {"Deleted", None}
    client.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly", VpcId="vpc-0a1b2c3d",
                         DefaultUserSettings={"SecurityGroups": ["sg-0a1b2c3d"]}, SubnetIds=["subnet-0a1b2c3d"])
    assert poll(describe_domain, {"InService", "Update_Failed"}) == "InService"
    assert client.describe_domain(DomainId=domain_id)["AppNetworkAccessType"] == "VpcOnly"

    # Evening: tear down in the order AWS demands: the domain refuses while profiles remain.
    with pytest.raises(client.exceptions.ResourceInUse):
        client.delete_domain(DomainId=domain_id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})
    for name in team:
        client.delete_user_profile(DomainId=domain_id, UserProfileName=name)
    for name in team:
        read = lambda name=name: client.describe_user_profile(DomainId=domain_id, UserProfileName=name)["Status"]
        assert poll(read, {None, "Delete_Failed"}) is None
    client.delete_domain(DomainId=domain_id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})
    assert poll(describe_domain, {None, "Delete_Failed"}) is None
