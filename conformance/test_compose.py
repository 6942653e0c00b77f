"""compose.yaml as a user runs it (issue 29): the emulator alone, its data kept in its volume across `down` and `up`,
and the three replicas on one PostgreSQL database of docs/scaling.md. PostgreSQL's official image cannot be pulled
here, so its stand-in is built from this machine's PostgreSQL (scripts/build-postgres-image) unless POSTGRES_IMAGE
names one. Runs where SAGEMAKER_EMULATOR_CONFORMANCE_IMAGE names the emulator's image (scripts/test-image)."""
import json
import os
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from conftest import IMAGE, free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not IMAGE, reason="needs SAGEMAKER_EMULATOR_CONFORMANCE_IMAGE (scripts/test-image)")
ROLE = "arn:aws:iam::111122223333:role/Studio"


@pytest.fixture
def compose():
    project = f"smcompose{uuid.uuid4().hex[:8]}"
    ports = {name: free_port() for name in ("EMULATOR_PORT", "REPLICA_1_PORT", "REPLICA_2_PORT", "REPLICA_3_PORT")}
    postgres = os.environ.get("POSTGRES_IMAGE") or subprocess.run(
        [str(ROOT / "scripts" / "build-postgres-image")], capture_output=True, text=True, check=True,
        timeout=600).stdout.split()[-1]
    env = dict(os.environ, SAGEMAKER_EMULATOR_IMAGE=IMAGE, POSTGRES_IMAGE=postgres,
               **{key: str(value) for key, value in ports.items()})

    def run(*args, check=True):
        done = subprocess.run(["docker-compose", "-f", str(ROOT / "compose.yaml"), "-p", project, *args], env=env,
                              capture_output=True, text=True, timeout=300)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    run.ports = ports
    yield run
    run("--profile", "replicas", "down", "-v", "--remove-orphans", check=False)


def answering(port, timeout=60):
    """A boto3 SageMaker client on the port, once its health answers ok."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=2) as response:
                if json.load(response)["status"] == "ok":
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, f"nothing answers on {port}"
        time.sleep(0.2)
    return boto3.client("sagemaker", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="111122223333", aws_secret_access_key="x",
                        config=Config(retries={"total_max_attempts": 1}))


def create_domain(client, name):
    return client.create_domain(DomainName=name, AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1",
                                DefaultUserSettings={"ExecutionRole": ROLE})["DomainArn"]


def test_the_emulator_service_keeps_its_data_in_its_volume(compose):
    compose("up", "-d", "emulator")
    arn = create_domain(answering(compose.ports["EMULATOR_PORT"]), "composed")
    compose("down")
    compose("up", "-d", "emulator")
    domains = answering(compose.ports["EMULATOR_PORT"]).list_domains()["Domains"]
    assert [domain["DomainArn"] for domain in domains] == [arn]


def test_three_replicas_share_one_postgresql_database(compose):
    compose("--profile", "replicas", "up", "-d")
    replicas = [answering(compose.ports[f"REPLICA_{index}_PORT"], timeout=120) for index in (1, 2, 3)]
    health = json.load(urllib.request.urlopen(f"http://127.0.0.1:{compose.ports['REPLICA_2_PORT']}/_emulator/health"))
    assert health["store"].startswith("postgres")
    arn = create_domain(replicas[0], "shared")
    domain = arn.split("/")[-1]
    for replica in replicas:
        assert replica.describe_domain(DomainId=domain)["DomainArn"] == arn
    deadline = time.monotonic() + 60
    while replicas[1].describe_domain(DomainId=domain)["Status"] != "InService":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    replicas[2].update_domain(DomainId=domain, DefaultUserSettings={"ExecutionRole": ROLE + "-2"})
    assert replicas[0].describe_domain(DomainId=domain)["DefaultUserSettings"]["ExecutionRole"] == ROLE + "-2"
