"""The container image (issue 29), as a user runs it: `docker run -p 127.0.0.1:<port>:9090 -v <volume>:/data
sagemaker-emulator`, then boto3, the AWS CLI and Terraform against the published port; what the image is (size, user,
port, volume, health check, labels); how it stops as PID 1; its data across stop, start and a new container; and the
options through their variables (`--auth verify` and `--admin-key` among them). Runs where
SAGEMAKER_EMULATOR_CONFORMANCE_IMAGE names the image (scripts/test-image)."""
import gzip
import json
import os
import subprocess
import sys
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import IMAGE, Terraform, free_port
from test_readme import ROOT, STUDIO_ONLY, readme_block, readme_blocks

pytestmark = pytest.mark.skipif(not IMAGE, reason="needs SAGEMAKER_EMULATOR_CONFORMANCE_IMAGE (scripts/test-image)")


def docker(*args, check=True, timeout=120):
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {done.stdout}{done.stderr}")
    return done


class Container:
    """One `docker run -d` of the image with a published loopback port."""

    def __init__(self, volume=None, env=None, mounts=(), args=()):
        self.name = f"sm-image-{uuid.uuid4().hex[:10]}"
        self.port = free_port()
        command = ["run", "-d", f"--name={self.name}", f"--publish=127.0.0.1:{self.port}:9090"]
        if volume:
            command.append(f"--volume={volume}:/data")
        command += [f"--volume={source}:{target}:ro" for source, target in mounts]
        command += [f"--env={key}={value}" for key, value in (env or {}).items()]
        docker(*command, IMAGE, *args)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_until(self, health, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = json.loads(docker("inspect", "--format", "{{json .State}}", self.name).stdout)
            if state.get("Health", {}).get("Status") == health:
                return state
            time.sleep(0.25)
        raise AssertionError(f"{self.name} not {health}: {state}; logs: {self.logs()}")

    def logs(self):
        done = docker("logs", self.name, check=False)
        return done.stdout + done.stderr

    def client(self, service="sagemaker", key="111122223333", secret="x"):
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1", aws_access_key_id=key,
                            aws_secret_access_key=secret, config=Config(retries={"total_max_attempts": 1}))

    def remove(self):
        docker("rm", "--force", self.name, check=False)


@pytest.fixture
def containers():
    started, volumes = [], []

    def make(volume=None, **kwargs):
        if volume:
            volumes.append(volume)
        container = Container(volume=volume, **kwargs)
        started.append(container)
        return container

    yield make
    for container in started:
        container.remove()
    for volume in set(volumes):
        docker("volume", "rm", "--force", volume, check=False)


def test_what_the_image_is():
    config = json.loads(docker("image", "inspect", "--format", "{{json .Config}}", IMAGE).stdout)
    assert config["User"] == "10001:10001"
    assert list(config["ExposedPorts"]) == ["9090/tcp"]
    assert list(config["Volumes"]) == ["/data"]
    assert config["Healthcheck"]["Test"] == ["CMD", "/usr/local/bin/sagemaker-emulator", "control", "health"]
    assert config["Entrypoint"] == ["/usr/local/bin/sagemaker-emulator"]
    environment = dict(item.split("=", 1) for item in config["Env"])
    assert environment["SAGEMAKER_EMULATOR_HOST"] == "0.0.0.0"
    assert environment["SAGEMAKER_EMULATOR_DATA_DIR"] == "/data"
    labels = config["Labels"]
    version = subprocess.run(["docker", "run", "--rm", IMAGE, "--version"], capture_output=True, text=True,
                             timeout=60).stdout.split()
    assert labels["org.opencontainers.image.version"] == version[1]
    assert labels["io.sagemaker-emulator.botocore-model"] == version[-1].rstrip(")")
    assert labels["org.opencontainers.image.source"] and labels["org.opencontainers.image.revision"]
    # Under 60 MB compressed: the image as `docker save` writes it, gzipped.
    saved = subprocess.run(["docker", "save", IMAGE], capture_output=True, timeout=300, check=True).stdout
    assert len(gzip.compress(saved, compresslevel=6)) < 60 * 1000 * 1000
    # Nothing but the binary, the C libraries it loads, and the files of a user: no shell.
    assert docker("run", "--rm", "--entrypoint", "/bin/sh", IMAGE, "-c", "true", check=False).returncode != 0
    # One layer, the same when the same commit is built again.
    layers = json.loads(docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", IMAGE).stdout)
    assert len(layers) == 1
    subprocess.run([str(ROOT / "scripts" / "build-image")], check=True, capture_output=True, timeout=1200)
    assert json.loads(docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", IMAGE).stdout) == layers


def test_the_readmes_docker_block_runs_as_pasted(tmp_path):
    """The README's `docker run` (with a free port, a container and volume name of the test's own)."""
    [block] = [block for block in readme_blocks("sh") if "docker run" in block]
    port, name = free_port(), f"sm-readme-{uuid.uuid4().hex[:8]}"
    script = (block.replace("127.0.0.1:9090:9090", f"127.0.0.1:{port}:9090")
              .replace("--name sagemaker-emulator", f"--name {name}").replace("sagemaker-data:/data", f"{name}:/data"))
    try:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True,
                              timeout=1200)
        assert done.returncode == 0, done.stdout + done.stderr
        client = boto3.client("sagemaker", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                              aws_access_key_id="111122223333", aws_secret_access_key="x")
        deadline = time.monotonic() + 30
        while True:
            try:
                assert client.list_domains()["Domains"] == []
                break
            except Exception:  # noqa: BLE001 - not listening yet
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        docker("rm", "--force", name, check=False)
        docker("volume", "rm", "--force", name, check=False)


def test_boto3_the_cli_and_terraform_on_the_published_port(containers, tmp_path):
    container = containers(volume=f"sm-image-{uuid.uuid4().hex[:8]}")
    state = container.wait_until("healthy")
    assert state["Running"]
    sagemaker = container.client()
    created = sagemaker.create_domain(DomainName="in-a-container", AuthMode="IAM", SubnetIds=["subnet-1"],
                                      VpcId="vpc-1",
                                      DefaultUserSettings={"ExecutionRole": "arn:aws:iam::111122223333:role/R"})
    assert ":111122223333:domain/" in created["DomainArn"]
    listed = subprocess.run([sys.executable, "-m", "awscli", "sagemaker", "list-domains", "--endpoint-url",
                             container.url], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, AWS_ACCESS_KEY_ID="111122223333", AWS_SECRET_ACCESS_KEY="x",
                                     AWS_DEFAULT_REGION="us-east-1"))
    assert listed.returncode == 0, listed.stderr
    assert [d["DomainName"] for d in json.loads(listed.stdout)["Domains"]] == ["in-a-container"]
    # The control API answers the host through the published port (the caller is the bridge's gateway, not
    # loopback: the container is the boundary), and the process is alone in the container.
    from conftest import control
    assert control(container, "GET", "health")[0] == 200
    assert control(container, "POST", "reset", {})[0] == 200
    assert sagemaker.list_domains()["Domains"] == []
    processes = docker("top", container.name).stdout.strip().splitlines()
    assert len(processes) == 2 and "sagemaker-emulator" in processes[1], processes
    # The README's Terraform example applies and plans clean against the container.
    terraform = Terraform(tmp_path / "tf")
    (terraform.work / "main.tf").write_text(readme_block("hcl", STUDIO_ONLY).replace('"http://127.0.0.1:9090"',
                                                                        f'"{container.url}"'))
    terraform.check("init")
    terraform.check("apply", "-auto-approve")
    assert [(d["DomainName"], d["Status"]) for d in sagemaker.list_domains()["Domains"]] == [("demo", "InService")]
    terraform.plans_no_change()
    terraform.check("destroy", "-auto-approve")
    assert sagemaker.list_domains()["Domains"] == []


def test_pid_1_stops_at_once_and_the_data_outlives_the_container(containers):
    volume = f"sm-image-{uuid.uuid4().hex[:8]}"
    first = containers(volume=volume)
    first.wait_until("healthy")
    sagemaker = first.client()
    arns = [sagemaker.create_domain(
        DomainName=f"kept-{index}", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1",
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::111122223333:role/R"})["DomainArn"]
        for index in range(20)]
    started = time.monotonic()
    docker("stop", "--time=10", first.name)
    assert time.monotonic() - started < 2, "SIGTERM should stop the emulator within 2 s"
    state = json.loads(docker("inspect", "--format", "{{json .State}}", first.name).stdout)
    assert state["ExitCode"] == 0 and "sagemaker-emulator stopped" in first.logs()
    docker("start", first.name)
    first.wait_until("healthy")
    assert sorted(d["DomainArn"] for d in first.client().list_domains(MaxResults=100)["Domains"]) == sorted(arns)
    # SIGINT stops it too; then a new container on the same volume has every acknowledged write.
    docker("kill", "--signal=INT", first.name)
    deadline = time.monotonic() + 2
    while json.loads(docker("inspect", "--format", "{{json .State}}", first.name).stdout)["Running"]:
        assert time.monotonic() < deadline, "SIGINT should stop the emulator within 2 s"
        time.sleep(0.05)
    first.remove()
    second = containers(volume=volume)
    second.wait_until("healthy")
    assert sorted(d["DomainArn"] for d in second.client().list_domains(MaxResults=100)["Domains"]) == sorted(arns)


def test_auth_verify_and_the_admin_key_through_variables(containers, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("[alice]\naws_access_key_id = AKIAALICEEXAMPLE0001\naws_secret_access_key = s3cret\n"
                           "aws_account_id = 111122223333\n")
    credentials.chmod(0o644)
    tmp_path.chmod(0o755)
    key = "an-admin-key-of-24-chars"
    container = containers(mounts=[(str(credentials), "/etc/sagemaker-emulator/credentials")], env={
        "SAGEMAKER_EMULATOR_AUTH": "verify", "SAGEMAKER_EMULATOR_ADMIN_KEY": key,
        "SAGEMAKER_EMULATOR_CREDENTIALS_FILE": "/etc/sagemaker-emulator/credentials",
        "SAGEMAKER_EMULATOR_STATUS_PROFILE": "realistic", "SAGEMAKER_EMULATOR_DEFAULT_REGION": "eu-west-1"})
    # The health check presents the admin key from the same variable, so the container becomes healthy.
    container.wait_until("healthy")
    alice = container.client(key="AKIAALICEEXAMPLE0001", secret="s3cret")
    assert alice.list_domains()["Domains"] == []
    with pytest.raises(ClientError) as refused:
        container.client(key="AKIAALICEEXAMPLE0001", secret="wrong").list_domains()
    assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    from conftest import control
    assert control(container, "GET", "health")[0] == 403
    status, health = control(container, "GET", "health", headers={"Authorization": "Bearer " + key})
    assert status == 200 and health["status"] == "ok"
    # Options through their variables: the realistic status profile's delays are in force.
    status, delays = control(container, "GET", "delays", headers={"Authorization": "Bearer " + key})
    assert status == 200 and delays["domainCreate"] > 0


def test_a_bad_option_variable_stops_the_container_with_its_reason(containers):
    container = containers(env={"SAGEMAKER_EMULATOR_STATUS_PROFILE": "sluggish"})
    deadline = time.monotonic() + 30
    while json.loads(docker("inspect", "--format", "{{json .State}}", container.name).stdout)["Running"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "status-profile" in container.logs()
