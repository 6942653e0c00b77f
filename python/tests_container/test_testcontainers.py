"""The Testcontainers module and the plugin's third way to get an emulator (SAGEMAKER_EMULATOR_IMAGE), against the
image scripts/build-image made (SAGEMAKER_EMULATOR_IMAGE names it; scripts/test-image runs these)."""
import os

import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.testcontainers import SageMakerEmulatorContainer

IMAGE = os.environ["SAGEMAKER_EMULATOR_IMAGE"]
ROLE = "arn:aws:iam::123456789012:role/Studio"


def create_domain(client, name):
    return client.create_domain(DomainName=name, AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1",
                                DefaultUserSettings={"ExecutionRole": ROLE})


def test_the_container_gives_an_endpoint_clients_and_the_control_api():
    with SageMakerEmulatorContainer(IMAGE, domain_create_delay=3600) as container:
        assert container.endpoint_url.startswith("http://") and container.get_endpoint_url() == container.endpoint_url
        assert container.health()["status"] == "ok"
        sagemaker = container.client(account="123456789012")
        domain = create_domain(sagemaker, "tc")["DomainArn"].split("/")[-1]
        # The option given as a keyword reached the container: the domain waits in Pending until completed.
        assert sagemaker.describe_domain(DomainId=domain)["Status"] == "Pending"
        assert container.complete() == 1
        assert sagemaker.describe_domain(DomainId=domain)["Status"] == "InService"
        container.fail_next("UpdateDomain", "ThrottlingException", message="slow down")
        with pytest.raises(ClientError) as refused:
            sagemaker.update_domain(DomainId=domain, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
        assert refused.value.response["Error"]["Code"] == "ThrottlingException"
        assert [entry["operation"] for entry in container.requests(faulted=True)] == ["UpdateDomain"]
        container.emulator.hold(domain)
        assert container.reset() >= 1
        assert sagemaker.list_domains()["Domains"] == []
    with pytest.raises(AttributeError):
        SageMakerEmulatorContainer(IMAGE).no_such_call  # noqa: B018 - only the control API's calls are delegated


def test_an_admin_key_is_set_in_the_container_and_presented():
    """With the control API closed to callers beyond loopback (the host's calls reach a published port from the
    bridge's gateway), only the key the module set in the container and presents opens it."""
    import urllib.error
    import urllib.request
    key = "a-key-of-at-least-16"
    with SageMakerEmulatorContainer(IMAGE, admin_key=key, control_access="loopback") as container:
        assert container.emulator.admin_key == key
        assert container.faults() == []
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(container.endpoint_url + "/_emulator/faults", timeout=30)
        assert refused.value.code == 403


def test_the_plugin_runs_a_users_suite_on_a_container(pytester, monkeypatch):
    monkeypatch.setenv("SAGEMAKER_EMULATOR_IMAGE", IMAGE)
    monkeypatch.delenv("SAGEMAKER_ENDPOINT_URL", raising=False)
    pytester.makepyfile("""
        def test_on_the_container(emulator, sagemaker_client):
            assert emulator.health()["store"] == "sqlite:/data/sagemaker.sqlite"
            assert emulator.delays()["domainCreate"] == 7
            sagemaker_client.create_domain(
                DomainName="plugin", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1",
                DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/R"})
            assert [d["DomainName"] for d in sagemaker_client.list_domains()["Domains"]] == ["plugin"]

        def test_reset_between_tests(sagemaker_client):
            assert sagemaker_client.list_domains()["Domains"] == []
    """)
    result = pytester.runpytest("--sagemaker-emulator-arg=--domain-create-delay=7")
    result.assert_outcomes(passed=2)


def test_the_readmes_testcontainers_block_runs_as_pasted():
    import re
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    [block] = [block for block in re.findall(r"```python\n(.*?)```", readme, re.S)
               if "SageMakerEmulatorContainer" in block]
    namespace = {}
    exec(compile(block.replace("sagemaker-emulator:latest", IMAGE), "README.md", "exec"), namespace)
    # The block ran to its end: its client was made and its fault rule was accepted, on a container now stopped.
    assert namespace["sagemaker"].meta.service_model.service_name == "sagemaker"
    assert namespace["emulator"].get_wrapped_container() is not None
