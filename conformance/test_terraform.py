"""Terraform's AWS provider (5.100.0) against the real binary, one working directory per group of resources
(conformance/terraform/<group>): apply, then a plan with no change, then one changed attribute applied in place and
a plan with no change again, an import of the domain that plans no change, then destroy, after which the account
lists nothing. The groups run in parallel: each Terraform command spends most of its time starting the provider,
which is CPU-bound, so two at a time fill this machine's two cores."""
import concurrent.futures
import shutil
import signal
from pathlib import Path

import pytest

from conftest import Terraform, random_account, wait_for

CONFIGURATIONS = Path(__file__).resolve().parent / "terraform"

# group: (resources the stage-2 change updates in place, whether the domain is imported and planned again,
#         the error a stage-3 apply must end with, as it does against AWS, or None)
GROUPS = {
    "domain-settings": (1, True, None),
    "domain-vpc-only": (1, True, "VpcId and Subnet IDs are required for updating domains to VpcOnly mode."),
    # AWS's own VpcOnly sample's shape: no security groups in the domain's defaults (docs/behaviour.md).
    "vpc-only-sample": (1, False, None),
    "spaces-apps": (3, False, None),
    "lifecycle-images": (3, False, None),
    "mlflow": (1, False, None),
}


def listed(client):
    """Everything the account still lists, by kind (apps that are Deleted count as gone, as on AWS)."""
    domains = client.list_domains()["Domains"]
    return {
        "domains": [d["DomainName"] for d in domains],
        "user profiles": [p["UserProfileName"] for p in client.list_user_profiles()["UserProfiles"]],
        "spaces": [s["SpaceName"] for s in client.list_spaces()["Spaces"]],
        "apps": [a["AppName"] for a in client.list_apps()["Apps"] if a["Status"] != "Deleted"],
        "lifecycle configs": [c["StudioLifecycleConfigName"]
                              for c in client.list_studio_lifecycle_configs()["StudioLifecycleConfigs"]],
        "app image configs": [c["AppImageConfigName"] for c in client.list_app_image_configs()["AppImageConfigs"]],
        "images": [i["ImageName"] for i in client.list_images()["Images"]],
        "mlflow tracking servers": [s["TrackingServerName"]
                                    for s in client.list_mlflow_tracking_servers()["TrackingServerSummaries"]],
    }


def run_group(group, emulator, work):
    changed, imports, refused = GROUPS[group]
    shutil.copytree(CONFIGURATIONS / group, work)
    shutil.copy(CONFIGURATIONS / "provider.tf", work / "provider.tf")
    account = random_account()
    terraform = Terraform(work, {"endpoint": emulator.url, "account": account})
    client = emulator.client(account=account)
    terraform.check("init")  # alone: conftest.Terraform makes every other command wait for it
    terraform.check("apply", "-auto-approve")
    assert any(listed(client).values()), "apply created nothing"
    terraform.plans_no_change()

    second = {"stage": 2}
    applied = terraform.check("apply", "-auto-approve", variables=second)
    assert f"Resources: 0 added, {changed} changed, 0 destroyed." in applied.stdout, applied.stdout
    terraform.plans_no_change(second)

    if refused:
        failed = terraform.run("apply", "-auto-approve", variables={"stage": 3})
        assert failed.returncode == 1 and refused in " ".join(failed.stderr.split()), failed.stderr
        terraform.plans_no_change(second)

    if imports:
        domain_id = terraform.check("output", "-raw", "domain_id").stdout.strip()
        terraform.check("state", "rm", "aws_sagemaker_domain.this")
        terraform.check("import", "aws_sagemaker_domain.this", domain_id, variables=second)
        terraform.plans_no_change(second)

    if group == "mlflow":
        server = client.describe_mlflow_tracking_server(TrackingServerName="team-experiments")
        assert (server["TrackingServerSize"], server["TrackingServerStatus"]) == ("Medium", "Updated")
        assert terraform.check("output", "-raw", "tracking_server_url").stdout == server["TrackingServerUrl"]

    terraform.check("destroy", "-auto-approve", variables=second)
    nothing = {kind: [] for kind in listed(client)}
    assert wait_for(lambda: listed(client), nothing, timeout=30) == nothing


@pytest.fixture(scope="module")
def group_runs(emulator, tmp_path_factory):
    """Starts every group at once, two at a time; each test waits for its own."""
    root = tmp_path_factory.mktemp("terraform")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    runs = {group: pool.submit(run_group, group, emulator, root / group) for group in GROUPS}
    yield runs
    pool.shutdown(wait=True)


@pytest.mark.parametrize("group", list(GROUPS))
def test_terraform_group(group_runs, group):
    group_runs[group].result()


def test_the_readmes_whole_stack_example_applies_as_pasted(make_emulator, tmp_path):
    """The README's whole-stack block, with only the emulator's URL changed: apply (8 resources), a plan with no
    change, destroy; the domain and the role name the access key's account."""
    import boto3
    from test_readme import WHOLE_STACK, readme_block
    emulator = make_emulator("--upstream", "moto")
    configuration = readme_block("hcl", WHOLE_STACK)
    assert configuration.count('"http://127.0.0.1:9090"') == 6
    terraform = Terraform(tmp_path / "readme-stack")
    (terraform.work / "main.tf").write_text(configuration.replace('"http://127.0.0.1:9090"', f'"{emulator.url}"'))
    terraform.check("init")
    applied = terraform.check("apply", "-auto-approve")
    assert "Resources: 8 added, 0 changed, 0 destroyed." in applied.stdout, applied.stdout
    session = boto3.Session(aws_access_key_id="111122223333", aws_secret_access_key="x", region_name="us-east-1")
    [domain] = session.client("sagemaker", endpoint_url=emulator.url).list_domains()["Domains"]
    assert domain["DomainArn"].startswith("arn:aws:sagemaker:us-east-1:111122223333:domain/")
    role = session.client("iam", endpoint_url=emulator.url).get_role(RoleName="studio-execution")["Role"]["Arn"]
    assert role == "arn:aws:iam::111122223333:role/studio-execution"
    terraform.plans_no_change()
    terraform.check("destroy", "-auto-approve")
    assert session.client("sagemaker", endpoint_url=emulator.url).list_domains()["Domains"] == []


def test_the_whole_stack_applies_on_one_endpoint(make_emulator, tmp_path):
    """A realistic Studio stack (IAM role with a managed policy, VPC, two subnets, a security group, a KMS key, an S3
    bucket, the caller identity and region, a VpcOnly domain using all of them, a profile, a shared space, an app, a
    lifecycle configuration) with every endpoint at the one emulator (--upstream moto): apply, a plan with no change,
    kill -9 of the emulator and a start on its data directory, a third plan with no change (moto's state came back
    too), destroy, and nothing left in either store."""
    import boto3
    emulator = make_emulator("--upstream", "moto", "--log-level", "notice")
    account = random_account()
    work = tmp_path / "whole-stack"
    shutil.copytree(CONFIGURATIONS / "whole-stack", work)
    terraform = Terraform(work, {"endpoint": emulator.url, "account": account})
    terraform.check("init")
    applied = terraform.check("apply", "-auto-approve")
    assert "Resources: 13 added, 0 changed, 0 destroyed." in applied.stdout, applied.stdout
    outputs = {name: terraform.check("output", "-raw", name).stdout.strip()
               for name in ("account", "region", "domain_arn", "role_arn")}
    assert outputs["account"] == account and outputs["region"] == "us-east-1"
    assert outputs["domain_arn"].startswith(f"arn:aws:sagemaker:us-east-1:{account}:domain/")
    assert outputs["role_arn"] == f"arn:aws:iam::{account}:role/studio-execution"
    terraform.plans_no_change()
    emulator.process.send_signal(signal.SIGKILL)
    emulator.process.wait()
    emulator.start()
    # Notice lines reach the log file within a flush (every 20 ms, later on a loaded machine): wait for it.
    assert wait_for(lambda: "upstream moto state restored" in emulator.log(), True, timeout=10)
    terraform.variables["endpoint"] = emulator.url
    terraform.plans_no_change()
    terraform.check("destroy", "-auto-approve")
    session = boto3.Session(aws_access_key_id=account, aws_secret_access_key="x", region_name="us-east-1")
    client = lambda name: session.client(name, endpoint_url=emulator.url)  # noqa: E731
    nothing = {kind: [] for kind in listed(client("sagemaker"))}
    assert wait_for(lambda: listed(client("sagemaker")), nothing, timeout=30) == nothing
    assert [r["RoleName"] for r in client("iam").list_roles()["Roles"]] == []
    assert [v for v in client("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"]] == []
    assert client("s3").list_buckets()["Buckets"] == []
    keys = [client("kms").describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"]
            for k in client("kms").list_keys()["Keys"]]
    assert keys == ["PendingDeletion"]  # KMS keys are deleted after their waiting period, as on AWS
