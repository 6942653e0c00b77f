"""Campaigns that keep the hardening true: kill -9 under load, concurrent updates of one domain, and a fuzzer.
Bounded for CI; the environment variables below make the long runs whose figures docs/robustness.md reports."""
import copy
import json
from pathlib import Path
import os
import random
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.request

import botocore.session
import pytest
from botocore.config import Config

from conftest import ROLE, STORE, create_domain, wait_for

KILL_ROUNDS = int(os.environ.get("CAMPAIGN_KILL_ROUNDS", "3"))
FUZZ_REQUESTS = int(os.environ.get("CAMPAIGN_FUZZ_REQUESTS", "3000"))
ACCOUNT = "222233334444"


def worker(server, stop, acknowledged, in_flight, index):
    """Creates a domain, waits for it, then updates it with increasing values and adds profiles, recording what was
    acknowledged. Ends when the server is gone."""
    client = server.client(account=ACCOUNT)
    try:
        domain = client.create_domain(DomainName=f"kill-{index}-{random.randrange(10**9)}", AuthMode="IAM",
                                      DefaultUserSettings={"ExecutionRole": ROLE}, SubnetIds=["subnet-1"],
                                      VpcId="vpc-1")["DomainId"]
        acknowledged.append(("domain", domain, None))
        wait_for(lambda: client.describe_domain(DomainId=domain)["Status"], "InService")
        value = 0
        while not stop.is_set():
            value += 1
            if value % 3 == 0:
                name = f"user-{value}"
                client.create_user_profile(DomainId=domain, UserProfileName=name)
                acknowledged.append(("profile", domain, name))
            else:
                in_flight[("update", domain)] = value
                client.update_domain(DomainId=domain, DefaultUserSettings={
                    "ExecutionRole": f"arn:aws:iam::111111111111:role/Value{value}"})
                acknowledged.append(("update", domain, value))
    except Exception:  # noqa: BLE001 - the server was killed under us; what was acknowledged is recorded
        pass


@pytest.mark.parametrize("round_", range(KILL_ROUNDS))
def test_kill_9_loses_no_acknowledged_write(make_emulator, round_):
    # Profiles take a while to be InService, so that some transitions are pending when the process dies.
    server = make_emulator("--domain-create-delay", "0.2", "--user-profile-delay", "0.5",
                           "--domain-update-delay", "0", "--max-domains", "1000")
    stop = threading.Event()
    acknowledged, in_flight = [], {}
    threads = [threading.Thread(target=worker, args=(server, stop, acknowledged, in_flight, i)) for i in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(random.uniform(1.0, 2.5))
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    snapshot = list(acknowledged)
    assert len(snapshot) > 8
    if STORE == "sqlite":
        with sqlite3.connect(os.path.join(server.data_dir, "sagemaker.sqlite")) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    server.start()
    check_acknowledged_writes(server.client(account=ACCOUNT), snapshot, in_flight)


def check_acknowledged_writes(client, snapshot, in_flight):
    """Every acknowledged domain and profile exists and ends InService (transitions pending at a kill complete), and
    every domain holds its last acknowledged update, or the one in flight when the process died."""
    last_update = {}
    for kind, domain, detail in snapshot:
        if kind == "update":
            last_update[domain] = max(detail, last_update.get(domain, 0))
    for domain in {domain for kind, domain, _ in snapshot if kind == "domain"}:
        role = client.describe_domain(DomainId=domain)["DefaultUserSettings"]["ExecutionRole"]
        if domain in last_update:
            stored = int(role.rsplit("Value", 1)[1])
            assert stored in (last_update[domain], in_flight.get(("update", domain))), (domain, stored)
        assert wait_for(lambda: client.describe_domain(DomainId=domain)["Status"], "InService") == "InService"
    for kind, domain, name in snapshot:
        if kind == "profile":
            assert wait_for(lambda: client.describe_user_profile(DomainId=domain, UserProfileName=name)["Status"],
                            "InService") == "InService"


def leaf_members():
    """Leaves of UpdateDomain's DefaultUserSettings and DefaultSpaceSettings that no cross-resource rule touches,
    with a valid value each: enums, bounded integers and image ARNs, from botocore's model."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    found = []

    def walk(shape, path, depth):
        if depth > 6:
            return
        if shape.type_name == "structure":
            for name, member in shape.members.items():
                if name.startswith("RStudio") or name in (
                        "CustomImages", "LifecycleConfigArns", "LifecycleConfigArn", "StudioWebPortal"):
                    continue
                if member.type_name != "structure" and set(shape.required_members) - {name}:
                    continue  # a leaf whose structure needs other members too
                walk(member, path + [name], depth + 1)
        elif shape.type_name == "string" and shape.enum:
            found.append((path, shape.enum[-1]))
        elif shape.type_name == "integer" and "min" in shape.metadata:
            found.append((path, shape.metadata["min"] + 1))
        elif shape.type_name == "string" and path[-1] == "SageMakerImageArn":
            found.append((path, f"arn:aws:sagemaker:us-east-1:123456789012:image/image-{len(found)}"))

    request = model.operation_model("UpdateDomain").input_shape
    for top in ("DefaultUserSettings", "DefaultSpaceSettings"):
        walk(request.members[top], [top], 0)
    return found


def nested(path, value):
    body = value
    for name in reversed(path):
        body = {name: body}
    return body


def lookup(document, path):
    for name in path:
        document = (document or {}).get(name)
    return document


def test_64_concurrent_updates_of_different_members_lose_none(make_emulator):
    server = make_emulator("--domain-update-delay", "0")
    client = server.client(account=ACCOUNT)
    domain = create_domain(client)["DomainId"]
    members = leaf_members()
    assert len(members) >= 32, len(members)
    # 64 calls, each setting one member; a member that two calls set gets the same value from both, so the end state
    # is known whatever order they commit in.
    calls = [members[index % len(members)] for index in range(64)]
    expected = {tuple(path): value for path, value in calls}
    barrier = threading.Barrier(len(calls))
    errors = []

    def call(path, value):
        own = server.client(account=ACCOUNT)
        barrier.wait()
        try:
            own.update_domain(DomainId=domain, **nested(path, value))
        except Exception as error:  # noqa: BLE001
            errors.append((path, error))

    threads = [threading.Thread(target=call, args=c) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(path, str(error)) for path, error in errors] == []
    described = client.describe_domain(DomainId=domain)
    lost = [path for path, value in expected.items() if lookup(described, path) != value]
    assert lost == []


SEED_BODIES = {
    "CreateDomain": {"DomainName": "fuzz", "AuthMode": "IAM", "DefaultUserSettings": {"ExecutionRole": ROLE},
                     "SubnetIds": ["subnet-1"], "VpcId": "vpc-1", "Tags": [{"Key": "k", "Value": "v"}]},
    "UpdateDomain": {"DomainId": "{domain}", "DefaultUserSettings": {
        "JupyterServerAppSettings": {"DefaultResourceSpec": {"InstanceType": "system"}}}},
    "DescribeDomain": {"DomainId": "{domain}"},
    "DeleteDomain": {"DomainId": "{domain}", "RetentionPolicy": {"HomeEfsFileSystem": "Delete"}},
    "ListDomains": {"MaxResults": 10},
    "CreateUserProfile": {"DomainId": "{domain}", "UserProfileName": "fuzzer"},
    "DescribeUserProfile": {"DomainId": "{domain}", "UserProfileName": "alice"},
    "UpdateUserProfile": {"DomainId": "{domain}", "UserProfileName": "alice", "UserSettings": {"ExecutionRole": ROLE}},
    "DeleteUserProfile": {"DomainId": "{domain}", "UserProfileName": "alice"},
    "ListUserProfiles": {"DomainIdEquals": "{domain}", "SortBy": "CreationTime"},
    "CreateSpace": {"DomainId": "{domain}", "SpaceName": "s1", "OwnershipSettings": {"OwnerUserProfileName": "alice"},
                    "SpaceSharingSettings": {"SharingType": "Private"}},
    "DescribeSpace": {"DomainId": "{domain}", "SpaceName": "s1"},
    "UpdateSpace": {"DomainId": "{domain}", "SpaceName": "s1", "SpaceSettings": {"AppType": "JupyterLab"}},
    "DeleteSpace": {"DomainId": "{domain}", "SpaceName": "s1"},
    "ListSpaces": {"DomainIdEquals": "{domain}"},
    "CreateApp": {"DomainId": "{domain}", "UserProfileName": "alice", "AppType": "JupyterLab", "AppName": "default"},
    "DescribeApp": {"DomainId": "{domain}", "UserProfileName": "alice", "AppType": "JupyterLab", "AppName": "default"},
    "DeleteApp": {"DomainId": "{domain}", "UserProfileName": "alice", "AppType": "JupyterLab", "AppName": "default"},
    "ListApps": {"DomainIdEquals": "{domain}"},
    "CreateStudioLifecycleConfig": {"StudioLifecycleConfigName": "lcc", "StudioLifecycleConfigContent": "ZWNobw==",
                                    "StudioLifecycleConfigAppType": "JupyterLab"},
    "DescribeStudioLifecycleConfig": {"StudioLifecycleConfigName": "lcc"},
    "DeleteStudioLifecycleConfig": {"StudioLifecycleConfigName": "lcc"},
    "ListStudioLifecycleConfigs": {},
    "CreateAppImageConfig": {"AppImageConfigName": "aic", "JupyterLabAppImageConfig": {}},
    "DescribeAppImageConfig": {"AppImageConfigName": "aic"},
    "UpdateAppImageConfig": {"AppImageConfigName": "aic"},
    "DeleteAppImageConfig": {"AppImageConfigName": "aic"},
    "ListAppImageConfigs": {},
    "AddTags": {"ResourceArn": "{arn}", "Tags": [{"Key": "a", "Value": "b"}]},
    "ListTags": {"ResourceArn": "{arn}"},
    "DeleteTags": {"ResourceArn": "{arn}", "TagKeys": ["a"]},
    "CreatePresignedDomainUrl": {"DomainId": "{domain}", "UserProfileName": "alice"},
    "CreateImage": {"ImageName": "img", "RoleArn": ROLE, "DisplayName": "Image", "Tags": [{"Key": "k", "Value": "v"}]},
    "DescribeImage": {"ImageName": "base"},
    "UpdateImage": {"ImageName": "base", "DisplayName": "Base", "DeleteProperties": ["Description"]},
    "DeleteImage": {"ImageName": "base"},
    "ListImages": {"NameContains": "b", "SortBy": "IMAGE_NAME", "SortOrder": "ASCENDING", "MaxResults": 5},
    "CreateImageVersion": {"ImageName": "base", "BaseImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/base:2", "ClientToken": "t", "Aliases": ["two"]},
    "DescribeImageVersion": {"ImageName": "base", "Version": 1},
    "UpdateImageVersion": {"ImageName": "base", "Alias": "one", "AliasesToAdd": ["first"], "JobType": "TRAINING"},
    "DeleteImageVersion": {"ImageName": "base", "Version": 1},
    "ListImageVersions": {"ImageName": "base", "SortBy": "VERSION"},
    "ListAliases": {"ImageName": "base", "Version": 1},
    "CreateMlflowTrackingServer": {"TrackingServerName": "mlflow", "ArtifactStoreUri": "s3://bucket/mlflow",
                                   "RoleArn": ROLE, "TrackingServerSize": "Small", "MlflowVersion": "2.16.2",
                                   "WeeklyMaintenanceWindowStart": "Sun:02:00", "Tags": [{"Key": "k", "Value": "v"}]},
    "DescribeMlflowTrackingServer": {"TrackingServerName": "runs"},
    "UpdateMlflowTrackingServer": {"TrackingServerName": "runs", "TrackingServerSize": "Medium",
                                   "AutomaticModelRegistration": True},
    "StartMlflowTrackingServer": {"TrackingServerName": "runs"},
    "StopMlflowTrackingServer": {"TrackingServerName": "runs"},
    "DeleteMlflowTrackingServer": {"TrackingServerName": "runs"},
    "ListMlflowTrackingServers": {"SortBy": "Status", "SortOrder": "Ascending", "TrackingServerStatus": "Created"},
    "CreatePresignedMlflowTrackingServerUrl": {"TrackingServerName": "runs", "ExpiresInSeconds": 60,
                                               "SessionExpirationDurationInSeconds": 1800},
}

def test_the_fuzzer_seeds_every_served_operation():
    model = json.loads((Path(__file__).resolve().parents[1] / "model" / "sagemaker-2017-07-24.json").read_text())
    assert set(SEED_BODIES) == set(model["operations"])


JUNK = [None, True, -1, 0, 2**63, 1e308, -1e-308, "", "x" * 5000, "\u0000", "\ud7ff\ue000", "é" * 300, [], {},
        [1, "a", None], {"a": {"b": {"c": []}}}, "arn:aws:iam::1:role/x", "d-aaaaaaaaaaaa"]


def mutate(value, rng):
    """One random change somewhere in a JSON value."""
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        choice = rng.random()
        if choice < 0.2:
            value.pop(key)
        elif choice < 0.4:
            # A copy: JUNK's own lists and dicts must never enter a body, where a later change could put one in itself.
            value[key + rng.choice(["", "x", "Arn"])] = copy.deepcopy(rng.choice(JUNK))
        else:
            value[key] = mutate(value[key], rng)
        return value
    if isinstance(value, list) and value and rng.random() < 0.7:
        index = rng.randrange(len(value))
        value[index] = mutate(value[index], rng)
        if rng.random() < 0.2:
            value.extend(value * rng.randint(1, 50))
        return value
    return copy.deepcopy(rng.choice(JUNK))


def mutate_bytes(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        position = rng.randrange(len(data))
        choice = rng.random()
        if choice < 0.4:
            data[position] = rng.randrange(256)
        elif choice < 0.7:
            del data[position]
        else:
            data[position:position] = rng.choice([b"{", b"}", b"[", b'"', b"\\", b",", b"\\u12", b"\xff", b"1e999"])
    return bytes(data)


def state_of(server):
    """Everything the fuzz account stores, as its List/Describe calls answer."""
    client = server.client(account=ACCOUNT)
    state = []
    for summary in client.list_domains()["Domains"]:
        described = client.describe_domain(DomainId=summary["DomainId"])
        described.pop("ResponseMetadata")
        state.append(described)
        for profile in client.list_user_profiles(DomainIdEquals=summary["DomainId"])["UserProfiles"]:
            state.append(profile)
    for config in client.list_studio_lifecycle_configs()["StudioLifecycleConfigs"]:
        state.append(config)
    for image in client.list_images(MaxResults=100)["Images"]:
        state.append(image)
        state.append(client.list_image_versions(ImageName=image["ImageName"], MaxResults=100)["ImageVersions"])
    for server in client.list_mlflow_tracking_servers(MaxResults=100)["TrackingServerSummaries"]:
        described = client.describe_mlflow_tracking_server(TrackingServerName=server["TrackingServerName"])
        described.pop("ResponseMetadata")
        state.append(described)
    return json.dumps(state, default=str, sort_keys=True)


def test_fuzzed_requests_never_crash_never_5xx_and_refusals_change_nothing(make_emulator):
    server = make_emulator("--domain-create-delay", "0", "--user-profile-delay", "0", "--app-create-delay", "0",
                           "--domain-update-delay", "0", "--domain-delete-delay", "0", "--space-delay", "0",
                           "--app-delete-delay", "0", "--image-delay", "0", "--mlflow-tracking-server-delay", "0",
                           "--max-body-bytes", "262144")
    client = server.client(account=ACCOUNT)
    domain = create_domain(client)
    client.create_user_profile(DomainId=domain["DomainId"], UserProfileName="alice")
    client.create_image(ImageName="base", RoleArn=ROLE, Description="the image the fuzzer changes")
    client.create_image_version(ImageName="base", BaseImage="123456789012.dkr.ecr.us-east-1.amazonaws.com/base:1", Aliases=["one"])
    client.create_mlflow_tracking_server(TrackingServerName="runs", ArtifactStoreUri="s3://bucket/runs", RoleArn=ROLE)
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    operations = sorted(SEED_BODIES)
    counts = {"requests": 0, "refused": 0, "accepted": 0}
    state = state_of(server)
    batch_refused_only = True
    for index in range(FUZZ_REQUESTS):
        operation = rng.choice(operations)
        body = json.loads(json.dumps(SEED_BODIES[operation]).replace("{domain}", domain["DomainId"])
                          .replace("{arn}", domain["DomainArn"]))
        for _ in range(rng.randint(1, 3)):
            body = mutate(body, rng)
        data = json.dumps(body).encode()
        if rng.random() < 0.3:
            data = mutate_bytes(data, rng)
        if rng.random() < 0.03:
            data = b"[" * 100_000 + b"]" * 100_000
        headers = {"Authorization": f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/20260101/us-east-1/sagemaker/aws4_request,"
                                    " SignedHeaders=host, Signature=00"}
        if rng.random() < 0.05:
            headers["Content-Type"] = rng.choice(["text/plain", "", "application/json; charset=\u00e9"])
        if rng.random() < 0.05:
            headers["Authorization"] = rng.choice(["", "AWS4-HMAC-SHA256", "Basic abc", "AWS4-HMAC-SHA256 Credential=/"])
        target = "SageMaker." + operation if rng.random() > 0.03 else rng.choice(["SageMaker.", "", "x" * 300])
        try:
            status, response_headers, answer = server.raw(target, data, headers)
        except urllib.error.URLError as error:
            # A body over --max-body-bytes is refused (413) as soon as its length is known, and the connection closed:
            # a client still sending it sees a broken pipe. Anything else is a failure.
            assert len(data) > 262144 and server.process.poll() is None, (seed, operation, len(data), error)
            continue
        counts["requests"] += 1
        assert status < 500, (seed, operation, data[:300], answer)
        assert isinstance(answer, dict), (seed, operation, answer)
        assert response_headers.get("x-amzn-RequestId"), (seed, operation)
        if status >= 400:
            counts["refused"] += 1
            assert "__type" in answer
        else:
            counts["accepted"] += 1
            batch_refused_only = False
        if index % 25 == 24:
            current = state_of(server)
            if batch_refused_only:
                assert current == state, f"a refused request changed stored data (seed {seed})"
            state, batch_refused_only = current, True
    assert server.process.poll() is None
    print(f"fuzz seed {seed}: {counts}")
