"""The control API (/_emulator/) against the real binary: raw HTTP, boto3 for what it changes, and the
`sagemaker-emulator control` subcommand (docs/control-api.md)."""
import json
import re
import subprocess
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import BINARY, ROLE, STORE, control, create_domain, create_profile, random_account, wait_for, wait_for_status


def no_retries(emulator, account=None):
    """A boto3 client that makes one attempt: botocore retries throttling and 5xx errors by itself."""
    return boto3.client("sagemaker", endpoint_url=emulator.url, region_name="us-east-1",
                        aws_access_key_id=account or random_account(), aws_secret_access_key="secret",
                        config=Config(retries={"total_max_attempts": 1}))


def arn_of(client, domain_id):
    return client.describe_domain(DomainId=domain_id)["DomainArn"]


def test_health_names_the_version_store_and_counts(make_emulator):
    emulator = make_emulator()
    status, health = emulator.control("GET", "health")
    assert status == 200
    assert health["status"] == "ok"
    version = subprocess.run([BINARY, "--version"], capture_output=True, text=True, check=True).stdout
    assert health["version"] in version and health["botocoreVersion"] in version
    if STORE == "sqlite":
        assert health["store"].startswith("sqlite:") and health["store"].endswith("/sagemaker.sqlite")
    else:
        assert health["store"].startswith("postgres://") and "@127.0.0.1:" in health["store"]
    assert health["uptimeSeconds"] >= 0
    client = emulator.client()
    domain = create_domain(client)
    create_profile(client, domain["DomainId"], "alice")
    _, health = emulator.control("GET", "health")
    assert health["resources"]["domain"] == 1 and health["resources"]["user-profile"] == 1
    assert health["resources"]["space"] == 0


def test_reset_takes_everything_or_one_account(make_emulator):
    emulator = make_emulator()
    first, second = random_account(), random_account()
    kept = create_domain(emulator.client(first))["DomainId"]
    create_domain(emulator.client(second))
    create_domain(emulator.client(second, region="eu-west-1"))
    emulator.control("POST", "faults", {"operation": "ListDomains", "account": second, "latency": 0})
    emulator.control("POST", "faults", {"operation": "ListDomains", "account": first, "latency": 0})

    status, answer = emulator.control("POST", "reset", {"account": second, "region": "us-east-1"})
    assert (status, answer) == (200, {"removedResources": 1})
    assert emulator.client(second).list_domains()["Domains"] == []
    assert len(emulator.client(second, region="eu-west-1").list_domains()["Domains"]) == 1
    assert emulator.client(first).describe_domain(DomainId=kept)["Status"] == "InService"

    status, answer = emulator.control("POST", "reset", {"account": second})
    assert answer == {"removedResources": 1}
    # The account's fault rules went with it; the other account's stayed.
    _, faults = emulator.control("GET", "faults")
    assert [rule["account"] for rule in faults["rules"]] == [first]

    status, answer = emulator.control("POST", "reset")
    assert (status, answer) == (200, {"removedResources": 1})
    assert emulator.client(first).list_domains()["Domains"] == []
    assert emulator.control("GET", "faults")[1] == {"rules": []}
    assert emulator.control("GET", "health")[1]["resources"]["domain"] == 0
    # The quota counts were reset too: a fresh domain can be created under a limit of one.
    assert emulator.control("POST", "reset", {"region": "us-east-1"})[0] == 400


def unsigned_reads(emulator, domain_id, arn):
    """Raw bytes of Describe, List and ListTags calls in the default account."""
    reads = {}
    for target, body in [
        ("DescribeDomain", {"DomainId": domain_id}),
        ("ListDomains", {}),
        ("ListUserProfiles", {"DomainIdEquals": domain_id}),
        ("DescribeUserProfile", {"DomainId": domain_id, "UserProfileName": "alice"}),
        ("ListTags", {"ResourceArn": arn}),
        ("ListSpaces", {}),
    ]:
        import urllib.request
        request = urllib.request.Request(emulator.url + "/", data=json.dumps(body).encode(), method="POST")
        request.add_header("Content-Type", "application/x-amz-json-1.1")
        request.add_header("X-Amz-Target", "SageMaker." + target)
        with urllib.request.urlopen(request) as response:
            reads[target] = response.read()
    return reads


def test_state_exported_and_imported_answers_byte_identically(make_emulator, tmp_path):
    source = make_emulator()
    client = source.client(account="123456789012")
    domain = create_domain(client, Tags=[{"Key": "team", "Value": "ml"}])
    domain_id = domain["DomainId"]
    create_profile(client, domain_id, "alice", Tags=[{"Key": "owner", "Value": "alice"}])
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    wait_for_status(client, domain_id, "InService")
    arn = arn_of(client, domain_id)
    before = unsigned_reads(source, domain_id, arn)

    status, state = source.control("GET", "state")
    assert status == 200
    assert state["format"] == "sagemaker-emulator-state" and state["version"] == 1
    assert {resource["kind"] for resource in state["resources"]} == {"domain", "user-profile"}

    target = make_emulator()
    status, answer = target.control("PUT", "state", state)
    assert (status, answer) == (200, {"resources": 2, "counters": len(state["counters"])})
    assert unsigned_reads(target, domain_id, arn) == before
    # The counters came too: the next profile's home directory uid follows alice's.
    restored = target.client(account="123456789012")
    create_profile(restored, domain_id, "bob")
    uids = {source_profile: restored.describe_user_profile(DomainId=domain_id, UserProfileName=source_profile)[
        "HomeEfsFileSystemUid"] for source_profile in ["alice", "bob"]}
    assert int(uids["bob"]) == int(uids["alice"]) + 1

    # serve --state FILE starts from a file.
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    started = make_emulator("--state", str(path))
    assert unsigned_reads(started, domain_id, arn) == before


def test_serve_refuses_to_start_on_a_bad_state_file(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format": "sagemaker-emulator-state", "version": 9, "resources": [], "counters": []}))
    result = subprocess.run([BINARY, "serve", "--in-memory", "--port", "0", "--state", str(path)], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode != 0
    assert "the state file" in result.stderr and "version 9 is not supported" in result.stderr


def test_a_bad_state_is_refused_and_changes_nothing(make_emulator):
    emulator = make_emulator()
    domain_id = create_domain(emulator.client(account="123456789012"))["DomainId"]
    _, state = emulator.control("GET", "state")
    for broken, message in [
        ({**state, "version": 2}, "version"),
        ({**state, "format": "other"}, "format"),
        ({**state, "resources": [{**state["resources"][0], "kind": "notebook"}]}, "kind"),
        ({**state, "resources": [{**state["resources"][0], "document": "{\"DomainArn\": 5}"}]}, "document"),
        ({**state, "resources": [{**state["resources"][0], "id": "d-other"}]}, "names"),
        ({**state, "resources": state["resources"] * 2}, "twice"),
    ]:
        status, answer = emulator.control("PUT", "state", broken)
        assert status == 400, broken
        assert message in answer["message"]
    assert emulator.control("PUT", "state", b"not json")[0] == 400
    assert emulator.client(account="123456789012").describe_domain(DomainId=domain_id)["Status"] == "InService"


def test_injected_errors_reach_boto3_as_aws_errors(make_emulator):
    emulator = make_emulator()
    client = no_retries(emulator)
    domain_id = create_domain(client)["DomainId"]
    status, rule = emulator.control(
        "POST", "faults", {"operation": "UpdateDomain", "error": {"code": "ThrottlingException"}, "count": 1})
    assert status == 201 and rule["id"].startswith("f-") and rule["error"]["httpStatus"] == 400
    with pytest.raises(ClientError) as caught:
        client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    error = caught.value.response
    assert error["Error"]["Code"] == "ThrottlingException"
    assert error["Error"]["Message"] == "Rate exceeded"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Refused: nothing changed; spent after one.
    assert client.describe_domain(DomainId=domain_id)["DefaultUserSettings"]["ExecutionRole"] == ROLE
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    assert emulator.control("GET", "faults")[1]["rules"][0]["hits"] == 1

    emulator.control("POST", "faults", {"error": {"code": "ServiceUnavailable"}, "resource": "d-nothing*"})
    assert client.describe_domain(DomainId=domain_id)["DomainId"] == domain_id
    with pytest.raises(ClientError) as caught:
        client.describe_domain(DomainId="d-nothing1")
    assert caught.value.response["Error"]["Code"] == "ServiceUnavailable"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503

    # A modelled error keeps the model's form.
    emulator.control("POST", "faults", {"operation": "ListDomains", "error": {"code": "ResourceLimitExceeded",
                                                                             "message": "too many"}})
    with pytest.raises(ClientError) as caught:
        client.list_domains()
    assert caught.value.response["Error"] == {"Code": "ResourceLimitExceeded", "Message": "too many"}

    _, journal = emulator.control("GET", "requests?faulted=true")
    assert [entry["errorCode"] for entry in journal["requests"]] == [
        "ThrottlingException", "ServiceUnavailable", "ResourceLimitExceeded"]
    assert all(entry["fault"].startswith("f-") for entry in journal["requests"])


def test_latency_probability_and_rule_management(make_emulator):
    emulator = make_emulator()
    client = no_retries(emulator)
    _, rule = emulator.control("POST", "faults", {"operation": "ListDomains", "latency": 0.5})
    started = time.monotonic()
    client.list_domains()
    assert time.monotonic() - started >= 0.5
    assert emulator.control("DELETE", "faults/" + rule["id"])[0] == 204
    assert emulator.control("DELETE", "faults/" + rule["id"])[0] == 404
    started = time.monotonic()
    client.list_domains()
    assert time.monotonic() - started < 0.5

    emulator.control("POST", "faults", {"operation": "ListDomains", "error": {"code": "ThrottlingException"},
                                        "probability": 0.5})
    outcomes = []
    for _ in range(60):
        try:
            client.list_domains()
            outcomes.append(True)
        except ClientError:
            outcomes.append(False)
    assert 5 < outcomes.count(False) < 55
    assert emulator.control("DELETE", "faults")[0] == 204
    for invalid in [{}, {"operation": "NoSuchOperation", "latency": 1}, {"latency": 1, "probability": 0},
                    {"error": {"code": "bad code!"}}, {"operation": "ListDomains", "failTransition": {}},
                    {"operation": "UpdateDomain", "failTransition": {"status": "CREATE_FAILED"}},
                    {"operation": "UpdateDomain", "failTransition": {}, "latency": 1}]:
        status, answer = emulator.control("POST", "faults", invalid)
        assert status == 400, invalid
        assert answer["error"] == "BadRequest"
    assert emulator.control("GET", "faults")[1] == {"rules": []}


def test_transitions_fail_as_the_real_service_reports(make_emulator):
    emulator = make_emulator()
    client = emulator.client()
    emulator.control("POST", "faults", {"operation": "CreateDomain", "failTransition": {"reason": "No capacity"},
                                        "count": 1})
    failed = create_domain(client, wait=False)["DomainId"]
    assert wait_for_status(client, failed, "Failed") == "Failed"
    assert client.describe_domain(DomainId=failed)["FailureReason"] == "No capacity"

    domain_id = create_domain(client)["DomainId"]
    emulator.control("POST", "faults", {"operation": "UpdateDomain", "failTransition": {}, "resource": domain_id})
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    assert wait_for_status(client, domain_id, "Update_Failed") == "Update_Failed"
    described = client.describe_domain(DomainId=domain_id)
    assert described["FailureReason"].startswith("Failed on purpose by sagemaker-emulator fault rule f-")
    emulator.control("DELETE", "faults")
    # Update_Failed can be updated again, which clears the reason.
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "3"})
    assert wait_for_status(client, domain_id, "InService") == "InService"
    assert "FailureReason" not in client.describe_domain(DomainId=domain_id)

    emulator.control("POST", "faults", {"operation": "DeleteUserProfile", "failTransition": {}})
    create_profile(client, domain_id, "alice")
    client.delete_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert wait_for(lambda: client.describe_user_profile(DomainId=domain_id, UserProfileName="alice")["Status"],
                    "Delete_Failed") == "Delete_Failed"

    emulator.control("POST", "faults", {"operation": "CreateImageVersion", "failTransition": {}})
    client.create_image(ImageName="img", RoleArn=ROLE)
    wait_for(lambda: client.describe_image(ImageName="img")["ImageStatus"], "CREATED")
    client.create_image_version(ImageName="img", BaseImage="123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1")
    assert wait_for(lambda: client.describe_image_version(ImageName="img")["ImageVersionStatus"],
                    "CREATE_FAILED") == "CREATE_FAILED"


def test_hold_release_complete_delays_and_clock(make_emulator):
    emulator = make_emulator()
    client = emulator.client()
    domain_id = create_domain(client)["DomainId"]
    assert emulator.control("POST", "holds", {"resource": domain_id})[1] == {"holds": [domain_id]}
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    time.sleep(1)
    assert client.describe_domain(DomainId=domain_id)["Status"] == "Updating"
    # Held by ARN as well as by id; completing does not move a held resource.
    assert emulator.control("POST", "transitions/complete")[1] == {"completed": 0}
    assert emulator.control("DELETE", "holds?resource=" + domain_id)[0] == 200
    assert wait_for_status(client, domain_id, "InService") == "InService"
    assert emulator.control("DELETE", "holds?resource=" + domain_id)[0] == 404

    status, delays = emulator.control("PUT", "delays", {"domainCreate": 3600, "userProfile": 0})
    assert status == 200 and delays["domainCreate"] == 3600 and delays["domainUpdate"] == 0.1
    slow = client.create_domain(DomainName="slow", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
                                SubnetIds=["subnet-1"], VpcId="vpc-1")["DomainId"]
    time.sleep(0.5)
    assert client.describe_domain(DomainId=slow)["Status"] == "Pending"
    assert emulator.control("POST", "transitions/complete")[1] == {"completed": 1}
    assert client.describe_domain(DomainId=slow)["Status"] == "InService"
    # A zero delay: the profile is InService inside the request.
    client.create_user_profile(DomainId=slow, UserProfileName="now")
    assert client.describe_user_profile(DomainId=slow, UserProfileName="now")["Status"] == "InService"
    assert emulator.control("PUT", "delays", {"domainCreate": -1})[0] == 400
    assert emulator.control("PUT", "delays", {"nothing": 1})[0] == 400

    # The clock moves forward: timestamps and due transitions follow it.
    emulator.control("PUT", "delays", {"domainCreate": 600})
    pending = create_domain(client, wait=False)["DomainId"]
    _, clock = emulator.control("POST", "clock", {"advance": 3600})
    assert clock["offsetSeconds"] == 3600
    assert wait_for_status(client, pending, "InService") == "InService"
    described = client.describe_domain(DomainId=pending)
    # The transition is stamped when it was due, 600 s after the creation.
    assert (described["LastModifiedTime"] - described["CreationTime"]).total_seconds() == pytest.approx(600, abs=1)
    later = create_domain(client, wait=False)["DomainId"]
    assert client.describe_domain(DomainId=later)["CreationTime"].timestamp() > time.time() + 3500
    assert emulator.control("POST", "clock", {"advance": -5})[0] == 400
    assert emulator.control("POST", "clock", {"reset": True})[1]["offsetSeconds"] == 0
    # Completing leaves Deleted apps listed for their retention.
    emulator.control("PUT", "delays", {"appCreate": 0.1, "appDelete": 0.1})
    create_profile(client, slow, "alice")
    client.create_app(DomainId=slow, UserProfileName="alice", AppType="JupyterServer", AppName="default")
    wait_for(lambda: client.describe_app(DomainId=slow, UserProfileName="alice", AppType="JupyterServer",
                                         AppName="default")["Status"], "InService")
    client.delete_app(DomainId=slow, UserProfileName="alice", AppType="JupyterServer", AppName="default")
    emulator.control("POST", "transitions/complete")
    assert [app["Status"] for app in client.list_apps(DomainIdEquals=slow)["Apps"]] == ["Deleted"]
    # A full reset puts the delays back.
    emulator.control("POST", "reset")
    assert emulator.control("GET", "delays")[1]["domainCreate"] == 0.1


def test_history_shows_what_each_update_changed_and_who(make_emulator):
    emulator = make_emulator()
    account = random_account()
    client = emulator.client(account=account)
    domain_id = create_domain(client)["DomainId"]
    answer = client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"},
                                  DefaultSpaceSettings={"ExecutionRole": ROLE})
    request_id = answer["ResponseMetadata"]["RequestId"]
    wait_for_status(client, domain_id, "InService")
    arn = arn_of(client, domain_id)
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ml"}])

    status, history = emulator.control("GET", "history?arn=" + arn)
    assert status == 200 and history["arn"] == arn
    events = history["events"]
    assert [event["event"] for event in events] == [
        "CreateDomain", "StatusTransition", "UpdateDomain", "StatusTransition", "AddTags"]
    update = events[2]
    assert update["requestId"] == request_id
    assert update["accessKeyId"] == account and update["account"] == account
    assert (update["statusBefore"], update["statusAfter"]) == ("InService", "Updating")
    changes = {change["path"]: (change["before"], change["after"]) for change in update["changes"]}
    assert changes["DefaultUserSettings.ExecutionRole"] == (ROLE, ROLE + "2")
    assert changes["DefaultSpaceSettings.ExecutionRole"] == (None, ROLE)
    assert changes["Status"] == ("InService", "Updating")
    assert "LastModifiedTime" not in changes
    assert events[1]["requestId"] is None and events[1]["statusAfter"] == "InService"
    assert {change["path"] for change in events[4]["changes"]} == {"Tags.team"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["time"]) for event in events)

    _, recent = emulator.control("GET", f"history?account={account}&resourceType=domain&limit=2")
    assert [event["event"] for event in recent["events"]] == ["StatusTransition", "AddTags"]
    assert emulator.control("GET", "history?arn=not-an-arn")[0] == 400


def test_journal_filters(make_emulator):
    emulator = make_emulator()
    client = emulator.client()
    client.list_domains()
    with pytest.raises(ClientError):
        client.describe_domain(DomainId="d-missing")
    _, journal = emulator.control("GET", "requests?operation=DescribeDomain")
    (entry,) = journal["requests"]
    assert entry["httpStatus"] == 400 and entry["errorCode"] == "ResourceNotFound" and entry["fault"] is None
    assert entry["milliseconds"] > 0
    _, journal = emulator.control("GET", "requests?status=200&limit=1")
    assert [entry["operation"] for entry in journal["requests"]] == ["ListDomains"]
    assert emulator.control("GET", "requests?limit=0")[0] == 400


def test_control_api_never_collides_with_aws_and_answers_unknown_paths_as_not_found(make_emulator):
    emulator = make_emulator()
    assert emulator.control("GET", "nothing")[0] == 404
    # The AWS API is unchanged beside it.
    status, _, body = emulator.raw("SageMaker.ListDomains", "{}")
    assert status == 200 and body == {"Domains": []}


def test_under_auth_verify_the_control_api_needs_the_admin_key(make_emulator, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("[a]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\naws_account_id = 111122223333\n")
    emulator = make_emulator("--auth", "verify", "--credentials-file", str(credentials))
    status, answer = emulator.control("GET", "health")
    assert status == 403 and "--admin-key" in answer["message"]

    key = "k" * 24
    keyed = make_emulator("--auth", "verify", "--credentials-file", str(credentials), "--admin-key", key)
    assert keyed.control("GET", "health")[0] == 403
    assert keyed.control("GET", "health", headers={"Authorization": "Bearer " + "x" * 24})[0] == 403
    assert keyed.control("GET", "health", headers={"Authorization": "Bearer " + key})[0] == 200
    # Signatures are checked against the system's clock: moving the emulator's clock an hour on does not expire them.
    status, clock = keyed.control("POST", "clock", {"advance": 3600}, headers={"Authorization": "Bearer " + key})
    assert status == 200 and clock["offsetSeconds"] == 3600
    signed = boto3.client("sagemaker", endpoint_url=keyed.url, region_name="us-east-1",
                          aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="s")
    assert signed.list_domains()["Domains"] == []


def control_cli(emulator, *args, check=True):
    result = subprocess.run([BINARY, "control", *args, "--endpoint", emulator.url], capture_output=True, text=True,
                            timeout=30)
    if check:
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else None
    return result


def test_the_control_subcommand_covers_every_call(make_emulator, tmp_path):
    emulator = make_emulator()
    client = no_retries(emulator, account="123456789012")
    assert control_cli(emulator, "health")["status"] == "ok"
    domain_id = create_domain(client)["DomainId"]
    arn = arn_of(client, domain_id)

    rule = control_cli(emulator, "faults", "add", "--operation", "UpdateDomain", "--error-code",
                       "ThrottlingException", "--count", "1")
    assert rule["error"]["code"] == "ThrottlingException"
    assert [r["id"] for r in control_cli(emulator, "faults", "list")["rules"]] == [rule["id"]]
    with pytest.raises(ClientError):
        client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    assert control_cli(emulator, "requests", "--faulted")["requests"][0]["errorCode"] == "ThrottlingException"
    control_cli(emulator, "faults", "delete", rule["id"])
    refused = control_cli(emulator, "faults", "delete", rule["id"], check=False)
    assert refused.returncode == 1 and "NotFound" in refused.stderr
    control_cli(emulator, "faults", "add", "--operation", "UpdateDomain", "--fail-transition", "default",
                "--reason", "broken")
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    assert wait_for_status(client, domain_id, "Update_Failed") == "Update_Failed"
    control_cli(emulator, "faults", "delete")
    assert control_cli(emulator, "faults")["rules"] == []

    history = control_cli(emulator, "history", arn)
    assert history["events"][-1]["statusAfter"] == "Update_Failed"
    assert control_cli(emulator, "history", "--resource-type", "domain", "--limit", "1")["events"][0]["arn"] == arn

    assert control_cli(emulator, "hold", arn)["holds"] == [arn]
    assert control_cli(emulator, "holds")["holds"] == [arn]
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE + "3"})
    assert control_cli(emulator, "complete")["completed"] == 0
    assert client.describe_domain(DomainId=domain_id)["Status"] == "Updating"
    assert control_cli(emulator, "release")["holds"] == []
    assert wait_for_status(client, domain_id, "InService") == "InService"

    assert control_cli(emulator, "delays", "domainUpdate=2")["domainUpdate"] == 2
    assert control_cli(emulator, "delays")["domainUpdate"] == 2
    assert control_cli(emulator, "clock", "--advance", "10")["offsetSeconds"] == 10
    assert control_cli(emulator, "clock", "--reset")["offsetSeconds"] == 0

    path = tmp_path / "state.json"
    control_cli(emulator, "state", "get", str(path))
    saved = json.loads(path.read_text())
    assert saved["resources"][0]["id"] == domain_id
    assert control_cli(emulator, "reset", "--account", "123456789012")["removedResources"] == 1
    assert client.list_domains()["Domains"] == []
    assert control_cli(emulator, "state", "put", str(path))["resources"] == 1
    assert client.describe_domain(DomainId=domain_id)["DomainId"] == domain_id
    assert control_cli(emulator, "reset")["removedResources"] == 1

    stopped = subprocess.run([BINARY, "control", "health", "--endpoint", "http://127.0.0.1:9"], capture_output=True,
                             text=True, timeout=30)
    assert stopped.returncode != 0 and "is the emulator running" in stopped.stderr


def outward_address():
    """This machine's address on its first non-loopback interface (a UDP connect sends nothing)."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))
        return probe.getsockname()[0]


def test_the_control_api_answers_loopback_only_unless_the_admin_key_is_presented(make_emulator):
    key = "an-admin-key-of-24-chars"
    emulator = make_emulator("--host", "0.0.0.0", "--allow-unauthenticated", "--admin-key", key)
    address = outward_address()
    assert not address.startswith("127."), "the test needs an interface other than loopback"

    class Outside:
        url = f"http://{address}:{emulator.port}"

    status, answer = control(Outside, "GET", "health")
    assert status == 403 and "loopback" in answer["message"]
    assert control(Outside, "GET", "health", headers={"Authorization": "Bearer " + key})[0] == 200
    assert emulator.control("GET", "health")[0] == 200
    # /metrics follows the control API's rule.
    import urllib.request
    try:
        urllib.request.urlopen(Outside.url + "/metrics")
        raise AssertionError("/metrics answered a caller beyond loopback")
    except urllib.error.HTTPError as error:
        assert error.code == 403
    request = urllib.request.Request(Outside.url + "/metrics", headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(request) as response:
        assert b"sagemaker_requests_total" in response.read() or response.status == 200
    # The AWS API answers there as before.
    assert boto3.client("sagemaker", endpoint_url=Outside.url, region_name="us-east-1", aws_access_key_id="a",
                        aws_secret_access_key="b").list_domains()["Domains"] == []


def test_control_access_any_answers_every_caller_but_keeps_the_rebinding_rule(make_emulator):
    """What the container image sets: its network is the boundary, so callers beyond loopback are answered without
    the admin key; a Host a page could forge by DNS rebinding (a dotted name) is still refused, while an address and
    a container's service name are not."""
    emulator = make_emulator("--host", "0.0.0.0", "--allow-unauthenticated", "--control-access", "any")
    address = outward_address()
    assert not address.startswith("127."), "the test needs an interface other than loopback"

    class Outside:
        url = f"http://{address}:{emulator.port}"

    assert control(Outside, "GET", "health")[0] == 200
    for host in (f"emulator:{emulator.port}", f"{address}:{emulator.port}", f"[::1]:{emulator.port}"):
        assert control(Outside, "GET", "holds", headers={"Host": host})[0] == 200, host
    status, answer = control(Outside, "GET", "holds", headers={"Host": f"attacker.example:{emulator.port}"})
    assert status == 403 and "attacker.example" in answer["message"]
    refused = subprocess.run([BINARY, "--in-memory", "--port", "0", "--control-access", "everyone"],
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "--control-access must be loopback or any" in refused.stderr


def test_a_faulted_request_is_marked_in_the_log(make_emulator):
    emulator = make_emulator("--log-level", "notice")
    emulator.control("POST", "faults", {"operation": "ListDomains", "error": {"code": "ThrottlingException"},
                                        "count": 1})
    with pytest.raises(ClientError):
        no_retries(emulator).list_domains()
    emulator.client().list_domains()  # an ordinary request is logged at info, below this log level
    emulator.stop()
    log = emulator.log()
    (line,) = [line for line in log.splitlines() if "SageMaker.ListDomains" in line]
    assert "notice" in line and "fault=f-1" in line and "status=400" in line
