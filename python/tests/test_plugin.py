"""The plugin as a user's suite meets it: pytest runs a test file in a fresh process, with the plugin loaded from its
installed entry point, against the real binary."""
import pytest

import sagemaker_emulator
from sagemaker_emulator import Emulator, EmulatorError, find_binary

USER_SUITE = '''
import time
import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/Studio"


def create_domain(client, name="demo"):
    domain = client.create_domain(DomainName=name, AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
                                  SubnetIds=["subnet-1"], VpcId="vpc-1")
    wait(lambda: client.describe_domain(DomainId=domain["DomainId"])["Status"], "InService")
    return domain


def wait(read, wanted, timeout=10):
    deadline = time.monotonic() + timeout
    while (value := read()) != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def test_a_throttled_update_reaches_the_caller(emulator, sagemaker_client):
    domain = create_domain(sagemaker_client)
    emulator.fail_next("UpdateDomain", "ThrottlingException")
    with pytest.raises(ClientError) as caught:
        sagemaker_client.update_domain(DomainId=domain["DomainId"], DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    sagemaker_client.update_domain(DomainId=domain["DomainId"], DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    assert wait(lambda: sagemaker_client.describe_domain(DomainId=domain["DomainId"])["Status"], "InService") == "InService"
    events = emulator.history(domain["DomainArn"])
    assert [event["event"] for event in events][-2:] == ["UpdateDomain", "StatusTransition"]
    changes = {change["path"]: change["after"] for change in events[-2]["changes"]}
    assert changes["DefaultUserSettings.ExecutionRole"] == ROLE + "2"
    assert emulator.requests(faulted=True)[0]["errorCode"] == "ThrottlingException"


def test_each_test_starts_from_an_empty_emulator(emulator, sagemaker_client):
    assert sagemaker_client.list_domains()["Domains"] == []
    assert emulator.faults() == []


def test_a_failed_update_and_a_held_domain(emulator, sagemaker_client):
    domain_id = create_domain(sagemaker_client)["DomainId"]
    emulator.fail_transition("UpdateDomain", reason="no capacity")
    sagemaker_client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    described = lambda: sagemaker_client.describe_domain(DomainId=domain_id)
    assert wait(lambda: described()["Status"], "Update_Failed") == "Update_Failed"
    assert described()["FailureReason"] == "no capacity"

    emulator.hold(domain_id)
    sagemaker_client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "3"})
    time.sleep(0.5)
    assert described()["Status"] == "Updating"
    emulator.release(domain_id)
    assert wait(lambda: described()["Status"], "InService") == "InService"

    emulator.delays(domainCreate=3600)
    slow = sagemaker_client.create_domain(DomainName="slow", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
                                          SubnetIds=["subnet-1"], VpcId="vpc-1")["DomainId"]
    assert emulator.complete() == 1
    assert sagemaker_client.describe_domain(DomainId=slow)["Status"] == "InService"
'''


def test_the_fixtures_in_a_users_suite(pytester):
    pytester.makepyfile(test_user=USER_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_an_emulator_that_is_already_running_is_used(pytester, monkeypatch):
    running = Emulator.start()
    try:
        monkeypatch.setenv("SAGEMAKER_ENDPOINT_URL", running.url)
        pytester.makepyfile(test_user='''
def test_creates_a_profile_config(sagemaker_client):
    sagemaker_client.create_studio_lifecycle_config(
        StudioLifecycleConfigName="kept", StudioLifecycleConfigContent="ZWNobw==",
        StudioLifecycleConfigAppType="JupyterServer")
''')
        pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
        configs = running.client(account="123456789012").list_studio_lifecycle_configs()["StudioLifecycleConfigs"]
        assert [config["StudioLifecycleConfigName"] for config in configs] == ["kept"]
    finally:
        running.stop()


def test_a_refused_control_call_raises_with_the_servers_reason():
    emulator = Emulator.start()
    try:
        with pytest.raises(EmulatorError) as caught:
            emulator.fail_transition("ListDomains")
        assert caught.value.status == 400 and "failTransition needs the operation" in str(caught.value)
        assert emulator.health()["status"] == "ok"
    finally:
        emulator.stop()


def test_without_a_binary_the_error_says_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv("SAGEMAKER_EMULATOR_BINARY", str(tmp_path / "missing"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sagemaker_emulator, "BUNDLED", tmp_path / "bin" / "sagemaker-emulator")
    with pytest.raises(EmulatorError) as caught:
        find_binary()
    assert "SAGEMAKER_EMULATOR_BINARY" in str(caught.value)


def test_the_binary_in_use_is_the_one_this_install_should_use():
    import os
    import shutil
    import subprocess
    binary = find_binary()
    if os.environ.get("SAGEMAKER_EMULATOR_EXPECT_BUNDLED") == "1":
        # Installed from the platform wheel into an environment without Swift.
        assert binary == str(sagemaker_emulator.BUNDLED)
        assert shutil.which("swift") is None and shutil.which("swiftc") is None
        linked = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
        assert "libswiftCore" not in linked and "libFoundation" not in linked, linked
    else:
        # Installed from the source tree: a pure package, the binary named by the environment.
        assert not sagemaker_emulator.BUNDLED.exists()
        assert binary == os.environ["SAGEMAKER_EMULATOR_BINARY"]
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("sagemaker-emulator ") and "botocore" in version
