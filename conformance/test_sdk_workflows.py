"""The AWS CLI v2 (Debian's /usr/bin/aws) and the AWS SDK for Go (v1) against the real binary: a
create / update / describe / list-with-pagination / delete workflow each, with the error codes of a missing domain and
a refused value. A missing client fails its test."""
import json
import os
import subprocess
import time
from pathlib import Path

from conftest import build_go_client, random_account

AWS_V2 = Path("/usr/bin/aws")


def aws_v2(emulator, account, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="secret", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
    return subprocess.run([str(AWS_V2), "sagemaker", *args, "--endpoint-url", emulator.url, "--output", "json"],
                          capture_output=True, text=True, env=env, timeout=120)


def test_aws_cli_v2_workflow(emulator):
    assert AWS_V2.exists(), "the AWS CLI v2 is missing: run scripts/install-test-deps (Debian's awscli)"
    version = subprocess.run([str(AWS_V2), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("aws-cli/2."), version
    account = random_account()

    def call(*args):
        done = aws_v2(emulator, account, *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def status(domain_id):
        return call("describe-domain", "--domain-id", domain_id)["Status"]

    created = call("create-domain", "--domain-name", "cli-v2", "--auth-mode", "IAM", "--vpc-id", "vpc-0a1b2c3d",
                   "--subnet-ids", "subnet-0a1b2c3d", "--default-user-settings",
                   f"ExecutionRole=arn:aws:iam::{account}:role/Studio")
    # CLI 2.9's model predates DomainId in the answer (it drops the member): the id ends the ARN.
    domain_id = created["DomainArn"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 30
    while status(domain_id) != "InService" and time.monotonic() < deadline:
        time.sleep(0.1)
    call("update-domain", "--domain-id", domain_id, "--default-user-settings",
         '{"JupyterServerAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}}')
    described = call("describe-domain", "--domain-id", domain_id)
    assert described["DefaultUserSettings"]["JupyterServerAppSettings"]["DefaultResourceSpec"] == {
        "InstanceType": "ml.t3.medium"}
    assert described["DefaultUserSettings"]["ExecutionRole"] == f"arn:aws:iam::{account}:role/Studio"
    deadline = time.monotonic() + 30
    while status(domain_id) != "InService" and time.monotonic() < deadline:
        time.sleep(0.1)

    names = ["ann", "ben", "cat", "dan", "eve"]
    for name in names:
        call("create-user-profile", "--domain-id", domain_id, "--user-profile-name", name)
    # The CLI follows NextToken itself: pages of two, all five profiles in one answer.
    everything = call("list-user-profiles", "--domain-id-equals", domain_id, "--page-size", "2",
                      "--sort-by", "CreationTime", "--sort-order", "Ascending")
    assert [p["UserProfileName"] for p in everything["UserProfiles"]] == names
    # --max-items stops early and hands back a token that resumes where it stopped.
    first = call("list-user-profiles", "--domain-id-equals", domain_id, "--page-size", "2", "--max-items", "3",
                 "--sort-by", "CreationTime", "--sort-order", "Ascending")
    assert [p["UserProfileName"] for p in first["UserProfiles"]] == names[:3] and first["NextToken"]
    rest = call("list-user-profiles", "--domain-id-equals", domain_id, "--page-size", "2", "--starting-token",
                first["NextToken"], "--sort-by", "CreationTime", "--sort-order", "Ascending")
    assert [p["UserProfileName"] for p in rest["UserProfiles"]] == names[3:]

    for name in names:
        call("delete-user-profile", "--domain-id", domain_id, "--user-profile-name", name)
    deadline = time.monotonic() + 30
    while call("list-user-profiles", "--domain-id-equals", domain_id)["UserProfiles"] and time.monotonic() < deadline:
        time.sleep(0.1)
    call("delete-domain", "--domain-id", domain_id)
    deadline = time.monotonic() + 30
    while call("list-domains")["Domains"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert call("list-domains")["Domains"] == []

    # Service errors: the CLI v2 exits 254 and names AWS's code.
    missing = aws_v2(emulator, account, "describe-domain", "--domain-id", domain_id)
    assert missing.returncode == 254 and "(ResourceNotFound) when calling the DescribeDomain operation" in missing.stderr
    refused = aws_v2(emulator, account, "update-domain", "--domain-id", "d-000000000000",
                     "--app-security-group-management", "Sometimes")
    assert refused.returncode == 254 and "(ValidationException)" in refused.stderr, refused.stderr


def test_go_sdk_workflow(emulator, tmp_path):
    binary = build_go_client("go-workflow", tmp_path)
    account = random_account()
    env = dict(os.environ, SAGEMAKER_ENDPOINT_URL=emulator.url, AWS_ACCESS_KEY_ID=account,
               AWS_SECRET_ACCESS_KEY="secret")
    done = subprocess.run([binary, f"arn:aws:iam::{account}:role/Studio"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "created": "InService", "updated": "InService", "instance type": "ml.t3.medium", "role kept": True,
        # The SDK's paginator followed NextToken: three pages of at most two.
        "listed": ["ann", "ben", "cat", "dan", "eve"], "pages": 3,
        "profile gone": "ResourceNotFound", "domain gone": "ResourceNotFound",
        "missing": "ResourceNotFound", "refused": "ValidationException", "refused status": 400,
        "domains left": 0,
    }
