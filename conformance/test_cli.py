"""The AWS CLI against the running binary: the README's create, update, describe."""
import json
import os
import subprocess
import sys

from conftest import random_account


def aws(emulator, account, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="secret", AWS_DEFAULT_REGION="eu-west-1",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    return subprocess.run([sys.executable, "-m", "awscli", "sagemaker", *args, "--endpoint-url", emulator.url,
                           "--output", "json"], capture_output=True, text=True, env=env, timeout=60)


def test_cli_create_update_describe_list_delete(emulator):
    account = random_account()
    created = aws(emulator, account, "create-domain", "--domain-name", "cli-demo", "--auth-mode", "IAM",
                  "--default-user-settings", "ExecutionRole=arn:aws:iam::111111111111:role/Execution",
                  "--subnet-ids", "subnet-1", "--vpc-id", "vpc-1")
    assert created.returncode == 0, created.stderr
    domain = json.loads(created.stdout)
    assert domain["DomainArn"] == f"arn:aws:sagemaker:eu-west-1:{account}:domain/{domain['DomainId']}"

    described = aws(emulator, account, "describe-domain", "--domain-id", domain["DomainId"])
    assert json.loads(described.stdout)["DomainName"] == "cli-demo"

    import time
    for _ in range(200):
        if json.loads(aws(emulator, account, "describe-domain", "--domain-id", domain["DomainId"]).stdout)["Status"] == "InService":
            break
        time.sleep(0.05)
    updated = aws(emulator, account, "update-domain", "--domain-id", domain["DomainId"], "--default-user-settings",
                  '{"JupyterServerAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}}')
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout) == {"DomainArn": domain["DomainArn"]}
    settings = json.loads(aws(emulator, account, "describe-domain", "--domain-id", domain["DomainId"]).stdout)["DefaultUserSettings"]
    assert settings["JupyterServerAppSettings"]["DefaultResourceSpec"]["InstanceType"] == "ml.t3.medium"
    assert settings["ExecutionRole"] == "arn:aws:iam::111111111111:role/Execution"

    listed = json.loads(aws(emulator, account, "list-domains").stdout)
    assert [d["DomainId"] for d in listed["Domains"]] == [domain["DomainId"]]


def test_cli_reports_service_errors(emulator):
    missing = aws(emulator, random_account(), "describe-domain", "--domain-id", "d-000000000000")
    assert missing.returncode != 0
    assert "An error occurred (ResourceNotFound) when calling the DescribeDomain operation" in missing.stderr
    in_use = aws(emulator, random_account(), "update-domain", "--domain-id", "d-000000000000",
                 "--app-security-group-management", "Sometimes")
    assert in_use.returncode != 0
    assert "(ValidationException)" in in_use.stderr
    assert "Member must satisfy enum value set: [Service, Customer]" in in_use.stderr


def test_cli_user_profiles_apps_and_tags(emulator):
    account = random_account()
    domain = json.loads(aws(emulator, account, "create-domain", "--domain-name", "cli-family", "--auth-mode", "IAM",
                            "--default-user-settings", "ExecutionRole=arn:aws:iam::111111111111:role/Execution",
                            "--subnet-ids", "subnet-1", "--vpc-id", "vpc-1").stdout)
    domain_id = domain["DomainId"]
    import time
    for _ in range(200):
        if json.loads(aws(emulator, account, "describe-domain", "--domain-id", domain_id).stdout)["Status"] == "InService":
            break
        time.sleep(0.05)
    created = aws(emulator, account, "create-user-profile", "--domain-id", domain_id, "--user-profile-name", "cli-user",
                  "--tags", "Key=team,Value=data")
    assert created.returncode == 0, created.stderr
    arn = json.loads(created.stdout)["UserProfileArn"]
    assert arn == f"arn:aws:sagemaker:eu-west-1:{account}:user-profile/{domain_id}/cli-user"
    listed = json.loads(aws(emulator, account, "list-user-profiles", "--domain-id-equals", domain_id).stdout)
    assert [p["UserProfileName"] for p in listed["UserProfiles"]] == ["cli-user"]
    tags = json.loads(aws(emulator, account, "list-tags", "--resource-arn", arn).stdout)
    assert tags["Tags"] == [{"Key": "team", "Value": "data"}]
    apps = json.loads(aws(emulator, account, "list-apps", "--domain-id-equals", domain_id).stdout)
    assert apps["Apps"] == []
    refused = aws(emulator, account, "delete-domain", "--domain-id", domain_id)
    assert "An error occurred (ResourceInUse) when calling the DeleteDomain operation" in refused.stderr
