"""One endpoint for the whole stack (issue 28): SageMaker served here, every other AWS call forwarded to an upstream
engine (`--upstream moto`, a supervised child), in the caller's account; without an upstream, a readable error in
the caller's own protocol. Real clients (boto3 with AWS_ENDPOINT_URL, the AWS CLI v2) against the real binary."""
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import STORE, sqlite_only, wait_for

ACCOUNT = "444455556666"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def environment(emulator, account=ACCOUNT):
    """What a user exports: one endpoint for every service, and credentials."""
    return dict(os.environ, AWS_ENDPOINT_URL=emulator.url, AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="x",
                AWS_DEFAULT_REGION="us-east-1", AWS_MAX_ATTEMPTS="1")


def clients(emulator, account=ACCOUNT):
    session = boto3.Session(aws_access_key_id=account, aws_secret_access_key="x", region_name="us-east-1")
    config = Config(retries={"total_max_attempts": 1})  # one attempt: an injected error reaches the test
    return {name: session.client(name, endpoint_url=emulator.url, config=config)
            for name in ("sts", "iam", "ec2", "s3", "kms", "sagemaker")}


def aws_cli(emulator, *args, version=1):
    """The AWS CLI: v1 (pip) reads AWS_ENDPOINT_URL alone; Debian's v2 (2.9) predates that variable (2.13), so it
    is given --endpoint-url."""
    import sys
    command = [sys.executable, "-m", "awscli", *args] if version == 1 else [
        "/usr/bin/aws", "--endpoint-url", emulator.url, *args]
    return subprocess.run(command, env=environment(emulator), capture_output=True, text=True, timeout=120)


def test_without_an_upstream_every_protocol_gets_a_readable_error(make_emulator):
    emulator = make_emulator()
    aws = clients(emulator)
    calls = {
        "sts (Query)": lambda: aws["sts"].get_caller_identity(),
        "iam (Query)": lambda: aws["iam"].list_roles(),
        "ec2 (EC2 Query)": lambda: aws["ec2"].describe_vpcs(),
        "s3 (REST-XML)": lambda: aws["s3"].list_buckets(),
        "kms (JSON)": lambda: aws["kms"].list_keys(),
    }
    for name, call in calls.items():
        with pytest.raises(ClientError) as refused:
            call()
        error = refused.value.response["Error"]
        assert error["Code"] == "UnknownOperationException", (name, refused.value.response)
        assert "--upstream moto" in error["Message"], (name, error)
    # SageMaker itself is served as always.
    assert aws["sagemaker"].list_domains()["Domains"] == []
    for version in (1, 2):
        listed = aws_cli(emulator, "iam", "list-roles", version=version)
        assert listed.returncode != 0
        assert "An error occurred (UnknownOperationException) when calling the ListRoles operation" in listed.stderr
        assert "--upstream moto" in listed.stderr and "parse" not in listed.stderr.lower()


@pytest.fixture
def whole_stack(make_emulator):
    return make_emulator("--upstream", "moto", "--log-level", "notice")


def test_the_whole_stack_through_one_endpoint(whole_stack):
    emulator = whole_stack
    aws = clients(emulator)
    assert aws["sts"].get_caller_identity()["Account"] == ACCOUNT
    role = aws["iam"].create_role(RoleName="StudioExecution", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    assert role == f"arn:aws:iam::{ACCOUNT}:role/StudioExecution"
    # AWS managed policies exist, as in every real account.
    policy = aws["iam"].get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerFullAccess")["Policy"]
    aws["iam"].attach_role_policy(RoleName="StudioExecution", PolicyArn=policy["Arn"])
    vpc = aws["ec2"].create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [aws["ec2"].create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24")["Subnet"]["SubnetId"] for n in (1, 2)]
    group = aws["ec2"].create_security_group(GroupName="studio", Description="Studio", VpcId=vpc)["GroupId"]
    key = aws["kms"].create_key()["KeyMetadata"]["Arn"]
    assert key.startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")
    aws["s3"].create_bucket(Bucket="studio-sharing")
    large = os.urandom(5 * 1024 * 1024)
    aws["s3"].put_object(Bucket="studio-sharing", Key="large", Body=large)
    assert aws["s3"].get_object(Bucket="studio-sharing", Key="large")["Body"].read() == large
    domain = aws["sagemaker"].create_domain(
        DomainName="stack", AuthMode="IAM", AppNetworkAccessType="VpcOnly", VpcId=vpc, SubnetIds=subnets, KmsKeyId=key,
        DomainSettings={"SecurityGroupIds": [group]},
        DefaultUserSettings={"ExecutionRole": role, "SharingSettings": {
            "NotebookOutputOption": "Allowed", "S3OutputPath": "s3://studio-sharing/notebooks"}})
    assert domain["DomainArn"].startswith(f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/")
    # A SageMaker operation outside the family is moto's.
    assert aws["sagemaker"].list_notebook_instances()["NotebookInstances"] == []
    # Another account sees none of it.
    other = clients(emulator, account="777788889999")
    assert other["sts"].get_caller_identity()["Account"] == "777788889999"
    assert all(r["RoleName"] != "StudioExecution" for r in other["iam"].list_roles()["Roles"])
    # The control surface sees the upstream.
    with urllib.request.urlopen(emulator.url + "/_emulator/health") as response:
        upstream = json.loads(response.read())["upstream"]
    assert (upstream["engine"], upstream["status"]) == ("moto", "up")
    with urllib.request.urlopen(emulator.url + "/metrics") as response:
        metrics = response.read().decode()
    for service in ("sts", "iam", "ec2", "kms", "s3", "sagemaker"):
        assert f'sagemaker_forwarded_requests_total{{service="{service}",outcome="forwarded"}}' in metrics, service
    # The AWS CLI, v1 with AWS_ENDPOINT_URL alone, v2 with the one --endpoint-url.
    for version in (1, 2):
        identity = aws_cli(emulator, "sts", "get-caller-identity", "--query", "Account", "--output", "text",
                           version=version)
        assert identity.returncode == 0 and identity.stdout.strip() == ACCOUNT, identity.stderr
        roles = aws_cli(emulator, "iam", "list-roles", "--query", "Roles[].RoleName", "--output", "text",
                        version=version)
        assert roles.returncode == 0 and "StudioExecution" in roles.stdout, roles.stderr
        domains = aws_cli(emulator, "sagemaker", "list-domains", "--query", "Domains[].DomainName", "--output",
                          "text", version=version)
        assert domains.returncode == 0 and domains.stdout.strip() == "stack", domains.stderr


def moto_pid(emulator, timeout=10):
    """The pid of the newest moto the emulator logged (its log is written every 20 ms: wait for the line)."""
    deadline = time.monotonic() + timeout
    while True:
        pids = re.findall(r"upstream moto answering.*?pid=(\d+)|pid=(\d+).*?upstream moto answering", emulator.log())
        if pids or time.monotonic() > deadline:
            return int([a or b for a, b in pids][-1])
        time.sleep(0.05)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_the_supervised_moto_is_restarted_and_never_outlives_the_emulator(whole_stack, make_emulator):
    emulator = whole_stack
    aws = clients(emulator)
    aws["iam"].create_role(RoleName="BeforeTheCrash", AssumeRolePolicyDocument=TRUST)
    vpc = aws["ec2"].create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    first = moto_pid(emulator)
    os.kill(first, signal.SIGKILL)
    # SageMaker keeps answering meanwhile; the other services answer again once moto is back.
    for _ in range(20):
        assert aws["sagemaker"].list_domains()["Domains"] == []
    assert wait_for(lambda: _answers(aws["sts"]), True, timeout=30)
    assert "upstream moto exited; starting it again" in emulator.log()
    assert wait_for(lambda: moto_pid(emulator) != first, True, timeout=10)
    second = moto_pid(emulator)
    assert alive(second)
    # With a data directory, the new moto replayed what the first recorded: same role, same VPC id. (On PostgreSQL
    # the upstream is not kept: docs/upstream.md.)
    if STORE == "sqlite":
        assert aws["iam"].get_role(RoleName="BeforeTheCrash")["Role"]["RoleName"] == "BeforeTheCrash"
        assert [v["VpcId"] for v in aws["ec2"].describe_vpcs(VpcIds=[vpc])["Vpcs"]] == [vpc]
    # SIGTERM stops both.
    emulator.stop()
    assert wait_for(lambda: alive(second), False, timeout=10) is False
    # kill -9 of the emulator: moto notices its parent is gone and ends within a second or so.
    killed = make_emulator("--upstream", "moto", "--log-level", "notice")
    child = moto_pid(killed)
    killed.process.send_signal(signal.SIGKILL)
    killed.process.wait()
    assert wait_for(lambda: alive(child), False, timeout=10) is False


def _answers(sts):
    try:
        return sts.get_caller_identity()["Account"] == ACCOUNT
    except Exception:  # noqa: BLE001 - not yet back
        time.sleep(0.2)
        return False


def test_a_bad_upstream_value_is_refused():
    from conftest import BINARY
    bad = subprocess.run([BINARY, "--in-memory", "--port", "0", "--upstream", "ftp://x"], capture_output=True,
                         text=True, timeout=30)
    assert bad.returncode != 0 and "--upstream must be moto or an http(s) URL" in bad.stderr


ALICE = ("AKIAALICEEXAMPLE0001", "alice-secret/with+chars", "111122223333")


def signed_clients(emulator, key, secret):
    session = boto3.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name="eu-west-1")
    config = Config(retries={"total_max_attempts": 1})
    return {name: session.client(name, endpoint_url=emulator.url, config=config)
            for name in ("sts", "iam", "ec2", "s3", "kms", "sagemaker")}


def refusal(call):
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value.response["Error"]["Code"], refused.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_with_auth_verify_forwarded_requests_are_checked_and_made_in_the_identitys_account(make_emulator, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[alice]\naws_access_key_id = {ALICE[0]}\naws_secret_access_key = {ALICE[1]}\n"
                           f"aws_account_id = {ALICE[2]}\n")
    emulator = make_emulator("--auth", "verify", "--credentials-file", str(credentials), "--upstream", "moto")
    alice = signed_clients(emulator, ALICE[0], ALICE[1])
    # Every protocol family, signed by a known identity, reaches moto in that identity's account and region.
    assert alice["sts"].get_caller_identity()["Account"] == ALICE[2]
    role = alice["iam"].create_role(RoleName="Verified", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    assert role == f"arn:aws:iam::{ALICE[2]}:role/Verified"
    assert alice["ec2"].describe_availability_zones()["AvailabilityZones"][0]["RegionName"] == "eu-west-1"
    key = alice["kms"].create_key()["KeyMetadata"]["Arn"]
    assert key.startswith(f"arn:aws:kms:eu-west-1:{ALICE[2]}:key/")
    # S3 signs its path as sent and declares its payload hash: an odd key and a 3 MiB body pass, and come back whole.
    s3 = alice["s3"]
    s3.create_bucket(Bucket="verified", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    body = os.urandom(3 << 20)
    s3.put_object(Bucket="verified", Key="dir/a b+c=d.bin", Body=body)
    assert s3.get_object(Bucket="verified", Key="dir/a b+c=d.bin")["Body"].read() == body
    # A SigV4 presigned URL passes (boto3 presigns S3 with SigV2 unless told; SigV2 is not checked, and refused).
    presigner = boto3.client("s3", endpoint_url=emulator.url, region_name="eu-west-1", aws_access_key_id=ALICE[0],
                             aws_secret_access_key=ALICE[1], config=Config(signature_version="s3v4"))
    url = presigner.generate_presigned_url("get_object", Params={"Bucket": "verified", "Key": "dir/a b+c=d.bin"})
    with urllib.request.urlopen(url, timeout=30) as presigned:
        assert presigned.read() == body
    sigv2 = s3.generate_presigned_url("get_object", Params={"Bucket": "verified", "Key": "dir/a b+c=d.bin"})
    assert "Signature=" in sigv2 and "X-Amz-Signature" not in sigv2
    domain = alice["sagemaker"].create_domain(
        DomainName="verified", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1",
        DefaultUserSettings={"ExecutionRole": role})["DomainArn"]
    assert f":{ALICE[2]}:domain/" in domain

    # A wrong secret, an unknown key and no signature get each protocol's own refusal, and nothing reaches moto.
    wrong = signed_clients(emulator, ALICE[0], "not-the-secret")
    assert refusal(lambda: wrong["sts"].get_caller_identity()) == ("SignatureDoesNotMatch", 403)
    assert refusal(lambda: wrong["iam"].create_role(RoleName="Forged", AssumeRolePolicyDocument=TRUST)) == \
        ("SignatureDoesNotMatch", 403)
    assert refusal(lambda: wrong["ec2"].describe_vpcs()) == ("AuthFailure", 401)
    assert refusal(lambda: wrong["s3"].put_object(Bucket="verified", Key="forged", Body=b"x")) == \
        ("SignatureDoesNotMatch", 403)
    assert refusal(lambda: wrong["kms"].list_keys()) == ("InvalidSignatureException", 400)
    unknown = signed_clients(emulator, "AKIANOBODYEXAMPLE000", "x")
    assert refusal(lambda: unknown["sts"].get_caller_identity()) == ("InvalidClientTokenId", 403)
    assert refusal(lambda: unknown["s3"].list_buckets()) == ("InvalidAccessKeyId", 403)
    assert refusal(lambda: unknown["kms"].list_keys()) == ("UnrecognizedClientException", 400)
    forged_url = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    for unsigned in (f"{emulator.url}/verified/dir/a%20b%2Bc%3Dd.bin", forged_url, sigv2):
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(unsigned, timeout=30)
        assert denied.value.code == 403 and b"<Code>" in denied.value.read()
    assert [r["RoleName"] for r in alice["iam"].list_roles()["Roles"]] == ["Verified"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="verified")["Contents"]] == ["dir/a b+c=d.bin"]


def test_a_full_reset_clears_the_upstream_too(whole_stack):
    emulator = whole_stack
    aws = clients(emulator)
    aws["iam"].create_role(RoleName="Temporary", AssumeRolePolicyDocument=TRUST)
    create = aws["sagemaker"].create_domain
    create(DomainName="gone", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/T"},
           SubnetIds=["subnet-1"], VpcId="vpc-1")
    assert emulator.control("POST", "reset")[0] == 200
    assert aws["sagemaker"].list_domains()["Domains"] == []
    assert [r["RoleName"] for r in aws["iam"].list_roles()["Roles"]] == []
    # The recording went with it: what is made after the reset comes back after a restart, with the same ids,
    # and nothing from before it does. (moto's state is kept beside the SQLite file only; on PostgreSQL a restart
    # starts an empty moto, docs/upstream.md.)
    vpc = aws["ec2"].create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    emulator.restart()
    aws = clients(emulator)
    assert [r["RoleName"] for r in aws["iam"].list_roles()["Roles"]] == []
    kept = [vpc] if STORE == "sqlite" else []
    assert [v["VpcId"] for v in aws["ec2"].describe_vpcs()["Vpcs"] if v["CidrBlock"] == "10.9.0.0/16"] == kept


def put_state(emulator, state):
    data = state if isinstance(state, bytes) else json.dumps(state).encode()
    return emulator.control("PUT", "state", data, headers={"Content-Type": "application/json"})


@sqlite_only
def test_a_state_snapshot_holds_and_restores_the_upstream(whole_stack, make_emulator):
    """moto's recording is kept beside the SQLite file only; on PostgreSQL the snapshot says nothing is held (as the
    --in-memory case at the end checks)."""
    emulator = whole_stack
    aws = clients(emulator)
    aws["iam"].create_role(RoleName="Kept", AssumeRolePolicyDocument=TRUST)
    vpc = aws["ec2"].create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    domain = aws["sagemaker"].create_domain(
        DomainName="kept", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/Kept"},
        SubnetIds=["subnet-1"], VpcId=vpc)["DomainArn"]
    status, state = emulator.control("GET", "state")
    assert status == 200 and state["upstream"]["engine"] == "moto" and state["upstream"]["held"] is True
    assert len(state["upstream"]["recording"].splitlines()) >= 2  # moto's lines, bodies in base64
    # Later changes on both sides, then the snapshot: both come back as they were, the VPC with its id.
    aws["iam"].create_role(RoleName="Later", AssumeRolePolicyDocument=TRUST)
    emulator.control("POST", "transitions/complete")
    aws["sagemaker"].delete_domain(DomainId=domain.split("/")[-1])
    status, answer = put_state(emulator, state)
    assert status == 200 and answer["upstream"] == "restored", answer
    assert [r["RoleName"] for r in aws["iam"].list_roles()["Roles"]] == ["Kept"]
    assert [v["VpcId"] for v in aws["ec2"].describe_vpcs()["Vpcs"] if v["CidrBlock"] == "10.1.0.0/16"] == [vpc]
    assert [d["DomainArn"] for d in aws["sagemaker"].list_domains()["Domains"]] == [domain]
    # The restored recording is moto's recording from now on: a restart brings the same state back.
    emulator.restart()
    aws = clients(emulator)
    assert [r["RoleName"] for r in aws["iam"].list_roles()["Roles"]] == ["Kept"]
    # A malformed upstream part is refused before anything changes.
    broken = dict(state, upstream={"engine": "moto", "held": True, "recording": "not json\n"})
    status, answer = put_state(emulator, broken)
    assert status == 400 and "recording" in answer["message"]
    assert [r["RoleName"] for r in aws["iam"].list_roles()["Roles"]] == ["Kept"]
    # A snapshot without an upstream part leaves the upstream as it is, and says so.
    bare = {key: value for key, value in state.items() if key != "upstream"}
    status, answer = put_state(emulator, bare)
    assert status == 200 and answer["upstream"].startswith("unchanged"), answer
    # Where nothing of moto is kept, the snapshot says so.
    in_memory = make_emulator("--in-memory", "--upstream", "moto")
    part = in_memory.control("GET", "state")[1]["upstream"]
    assert part["held"] is False and "nothing of it is kept" in part["reason"]


def test_forwarded_requests_are_journaled_and_can_be_faulted(whole_stack):
    emulator = whole_stack
    aws = clients(emulator)
    status, rule = emulator.control("POST", "faults", {"operation": "iam:CreateRole", "count": 1,
                                                      "error": {"code": "Throttling", "message": "Rate exceeded"}})
    assert status == 201, rule
    with pytest.raises(ClientError) as throttled:
        aws["iam"].create_role(RoleName="Throttled", AssumeRolePolicyDocument=TRUST)
    assert throttled.value.response["Error"]["Code"] == "Throttling"
    assert throttled.value.response["Error"]["Message"] == "Rate exceeded"
    # Refused here, never sent: the role does not exist; the rule is spent, so the next call goes through.
    assert [r["RoleName"] for r in aws["iam"].list_roles()["Roles"]] == []
    aws["iam"].create_role(RoleName="Throttled", AssumeRolePolicyDocument=TRUST)
    aws["kms"].list_keys()
    _, journal = emulator.control("GET", "requests")
    forwarded = [(r["operation"], r["httpStatus"], r.get("fault")) for r in journal["requests"]
                 if ":" in r["operation"]]
    assert forwarded[:4] == [("iam:CreateRole", 400, rule["id"]), ("iam:ListRoles", 200, None),
                             ("iam:CreateRole", 200, None), ("kms:ListKeys", 200, None)], forwarded
    assert all(r["account"] == ACCOUNT for r in journal["requests"] if ":" in r["operation"])
    # A transition fault names SageMaker operations only.
    assert emulator.control("POST", "faults", {"operation": "iam:CreateRole", "failTransition": {}})[0] == 400
    # The console's home page shows the upstream and what the journal holds of each service.
    with urllib.request.urlopen(emulator.url + "/_emulator/console") as response:
        page = response.read().decode()
    assert re.search(r'Every other AWS request goes to moto at http://127\.0\.0\.1:\d+: <span class="status">up</span>',
                     page), page
    rows = dict(re.findall(r"<tr><td>(\w+)</td><td>(\d+</td><td>\d+)</td></tr>", page))
    assert rows["iam"] == "3</td><td>1" and rows["kms"] == "1</td><td>0", rows


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
# One call of each protocol family the quick path takes: Query (form body, and Action in a GET's query string), an
# XML error, AWS JSON 1.1, EC2's Query.
QUICK_CALLS = [
    ("sts", "POST", "/", FORM, b"Action=GetCallerIdentity&Version=2011-06-15"),
    ("sts", "GET", "/?Action=GetCallerIdentity&Version=2011-06-15", {}, None),
    ("iam", "POST", "/", FORM, b"Action=GetRole&RoleName=Missing&Version=2010-05-08"),
    ("kms", "POST", "/", {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"},
     b"{}"),
    ("ec2", "POST", "/", FORM, b"Action=DescribeVpcs&Version=2016-11-15"),
]


def signed_call(emulator, service, method, path, headers, body):
    """A request signed for `service` in ACCOUNT (the emulator does not check signatures here); returns the status,
    the headers (but the date and the request id, which differ every time) and the body with its ids masked."""
    authorization = (f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/20261206/us-east-1/{service}/aws4_request, "
                     "SignedHeaders=host;x-amz-date, Signature=0")
    request = urllib.request.Request(emulator.url + path, data=body, method=method,
                                     headers={"Authorization": authorization, **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, fields, data = response.status, response.headers.items(), response.read()
    except urllib.error.HTTPError as error:
        status, fields, data = error.code, error.headers.items(), error.read()
    kept = sorted((name.lower(), value) for name, value in fields if name.lower() not in ("date", "x-amzn-requestid"))
    assert any(name.lower() == "x-amzn-requestid" for name, _ in fields), fields
    return status, kept, re.sub(rb"[A-Za-z0-9-]{36,}", b"<id>", data)


def test_the_quick_path_answers_as_the_routers_path_does(make_emulator):
    """Without a signature check, a recording moto or a fault rule, a forwarded call is sent on from its connection's
    event loop (`ForwardingHandler`); the same call on the router's path (taken while any fault rule exists) gets the
    same answer, journal entry and metrics. Both paths say which they took in the debug log."""
    emulator = make_emulator("--in-memory", "--upstream", "moto", "--log-level", "debug")
    quick = [signed_call(emulator, *call) for call in QUICK_CALLS]
    status, rule = emulator.control("POST", "faults", {"operation": "iam:DeleteRole", "error": {"code": "Unused"}})
    assert status == 201, rule
    routed = [signed_call(emulator, *call) for call in QUICK_CALLS]
    assert emulator.control("DELETE", "faults/" + rule["id"])[0] == 204
    assert quick == routed
    assert [status for status, _, _ in quick] == [200, 200, 404, 200, 200], quick
    assert b"<Account>" + ACCOUNT.encode() + b"</Account>" in quick[0][2]
    assert wait_for(lambda: emulator.log().count("path=router"), len(QUICK_CALLS)) == len(QUICK_CALLS)
    assert emulator.log().count("path=quick") == len(QUICK_CALLS), emulator.log()
    _, journal = emulator.control("GET", "requests")
    entries = [(r["operation"], r["httpStatus"], r["account"]) for r in journal["requests"] if ":" in r["operation"]]
    half = len(QUICK_CALLS)
    assert entries[:half] == entries[half:] and len(entries) == 2 * half, entries
    assert entries[2] == ("iam:GetRole", 404, ACCOUNT) and entries[1] == ("sts:GetCallerIdentity", 200, ACCOUNT)
    with urllib.request.urlopen(emulator.url + "/metrics") as response:
        metrics = response.read().decode()
    assert re.search(r'sagemaker_forwarded_requests_total\{[^}]*outcome="forwarded"[^}]*service="sts"[^}]*\} 4',
                     metrics) or re.search(
        r'sagemaker_forwarded_requests_total\{[^}]*service="sts"[^}]*outcome="forwarded"[^}]*\} 4', metrics), metrics
    # A call the quick path may not take (S3's, streamed) still goes the router's way.
    clients(emulator)["s3"].list_buckets()
    assert wait_for(lambda: "operation=s3:GET path=router" in emulator.log(), True), emulator.log()


def test_an_upstream_that_does_not_answer_is_a_503_on_both_paths(make_emulator):
    from conftest import free_port
    emulator = make_emulator("--in-memory", "--upstream", f"http://127.0.0.1:{free_port()}")
    call = QUICK_CALLS[0]
    quick = signed_call(emulator, *call)
    emulator.control("POST", "faults", {"operation": "iam:DeleteRole", "error": {"code": "Unused"}})
    routed = signed_call(emulator, *call)
    assert quick == routed and quick[0] == 503, (quick, routed)
    assert quick[2].startswith(b"Service Unavailable: the upstream at http://127.0.0.1:"), quick
    with urllib.request.urlopen(emulator.url + "/metrics") as response:
        assert re.search(r'outcome="unavailable"[^}]*\} 2|service="sts"[^}]*outcome="unavailable"[^}]*\} 2',
                         response.read().decode())


def connections_to(port):
    """Established TCP connections to 127.0.0.1:`port` (from /proc/net/tcp: state 01, remote port in hex)."""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(1 for row in rows if row[2] == f"0100007F:{port:04X}" and row[3] == "01")


def test_a_connection_opened_ahead_serves_the_next_call_and_never_outlives_its_upstream(make_emulator):
    """After an answer, the next call's connection to the upstream is opened ahead (`UpstreamConnections`): one per
    event loop at most, closed after 2 s unused, dropped when the upstream closes it, so that a restarted upstream
    answers the very next call."""
    import sys
    from conftest import free_port
    port = free_port()

    def start_moto():
        moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        assert wait_for(lambda: _listening(port), True, timeout=30)
        return moto

    moto = start_moto()
    try:
        emulator = make_emulator("--in-memory", "--upstream", f"http://127.0.0.1:{port}")
        call = QUICK_CALLS[0]
        assert signed_call(emulator, *call)[0] == 200
        # The connection for the next call, opened ahead and waiting (the call's own has closed by then).
        time.sleep(0.3)
        assert connections_to(port) == 1
        moto.kill()
        moto.wait()
        moto = start_moto()
        # The upstream restarted: the next call is not sent on the closed connection.
        assert [signed_call(emulator, *call)[0] for _ in range(5)] == [200] * 5
        assert wait_for(lambda: connections_to(port), 1, timeout=2) == 1
        time.sleep(2.5)
        assert connections_to(port) == 0
        assert signed_call(emulator, *call)[0] == 200
    finally:
        moto.kill()
        moto.wait()


def _listening(port):
    import socket
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
