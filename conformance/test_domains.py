"""CreateDomain, DescribeDomain, DeleteDomain, ListDomains through boto3 against the running binary."""
import re
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, create_domain, random_account, wait_for_status, wait_until_gone

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def error_of(excinfo):
    error = excinfo.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


def test_create_returns_arn_id_and_url_in_real_formats(sm):
    response = sm.create_domain(DomainName="formats", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE})
    domain_id = response["DomainId"]
    assert re.fullmatch(r"d-[a-z0-9]{12}", domain_id)
    account = sm._request_signer._credentials.access_key
    assert response["DomainArn"] == f"arn:aws:sagemaker:us-east-1:{account}:domain/{domain_id}"
    assert response["Url"] == f"https://{domain_id}.studio.us-east-1.sagemaker.aws"
    assert set(response) - {"ResponseMetadata"} == {"DomainArn", "DomainId", "Url"}
    assert UUID_RE.match(response["ResponseMetadata"]["RequestId"])


def test_describe_fills_what_the_real_service_fills(sm):
    domain_id = create_domain(sm)["DomainId"]
    domain = sm.describe_domain(DomainId=domain_id)
    assert domain["Status"] == "InService"
    assert re.fullmatch(r"fs-[0-9a-f]{17}", domain["HomeEfsFileSystemId"])
    assert domain["TagPropagation"] == "DISABLED"
    assert domain["AppNetworkAccessType"] == "PublicInternetOnly"
    assert domain["DefaultUserSettings"] == {
        "ExecutionRole": ROLE, "StudioWebPortal": "ENABLED", "AutoMountHomeEFS": "Enabled",
        "DefaultLandingUri": "studio::",
    }
    for absent in ("FailureReason", "DomainSettings", "SecurityGroupIdForDomainBoundary", "SingleSignOnApplicationArn"):
        assert absent not in domain
    assert domain["CreationTime"] <= domain["LastModifiedTime"]


def test_wire_has_no_nulls_and_millisecond_timestamps(emulator, sm):
    domain_id = create_domain(sm)["DomainId"]
    account = sm._request_signer._credentials.access_key
    auth = f"AWS4-HMAC-SHA256 Credential={account}/20261124/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=0"
    status, headers, body = emulator.raw("SageMaker.DescribeDomain", f'{{"DomainId":"{domain_id}"}}',
                                         {"Authorization": auth})
    assert status == 200
    assert UUID_RE.match(headers["x-amzn-RequestId"])
    assert headers["Content-Type"] == "application/x-amz-json-1.1"

    def walk(node):
        assert node is not None
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(body)
    for key in ("CreationTime", "LastModifiedTime"):
        assert isinstance(body[key], (int, float))
        assert round(body[key], 3) == body[key]


def test_status_goes_pending_then_in_service(make_emulator):
    # An hour's delay, ended by the control API: the reads of Pending cannot race the machine's speed.
    emulator = make_emulator("--domain-create-delay", "3600")
    client = emulator.client()
    domain_id = create_domain(client, wait=False)["DomainId"]
    assert client.describe_domain(DomainId=domain_id)["Status"] == "Pending"
    assert [d["Status"] for d in client.list_domains()["Domains"]] == ["Pending"]
    assert emulator.control("POST", "transitions/complete") == (200, {"completed": 1})
    assert wait_for_status(client, domain_id, "InService") == "InService"


def test_realistic_profile_keeps_domains_pending(make_emulator):
    client = make_emulator("--status-profile", "realistic").client()
    domain_id = create_domain(client, wait=False)["DomainId"]
    assert client.describe_domain(DomainId=domain_id)["Status"] == "Pending"
    with pytest.raises(ClientError) as excinfo:
        client.update_domain(DomainId=domain_id, TagPropagation="ENABLED")
    assert error_of(excinfo)[0] == "ResourceInUse"


def test_describe_missing_domain_is_resource_not_found(sm):
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        sm.describe_domain(DomainId="d-000000000000")
    code, message, status = error_of(excinfo)
    assert status == 400
    assert message.endswith(":domain/d-000000000000] does not exist.")


def test_duplicate_name_is_resource_in_use(sm):
    create_domain(sm, name="twice", wait=False)
    with pytest.raises(sm.exceptions.ResourceInUse):
        create_domain(sm, name="twice", wait=False)


def test_delete_goes_deleting_then_resource_not_found(make_emulator):
    emulator = make_emulator("--domain-delete-delay", "3600")
    client = emulator.client()
    domain_id = create_domain(client)["DomainId"]
    client.delete_domain(DomainId=domain_id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})
    assert client.describe_domain(DomainId=domain_id)["Status"] == "Deleting"
    with pytest.raises(client.exceptions.ResourceInUse):
        client.delete_domain(DomainId=domain_id)
    assert emulator.control("POST", "transitions/complete")[0] == 200
    assert wait_until_gone(client, domain_id)
    with pytest.raises(client.exceptions.ResourceNotFound):
        client.delete_domain(DomainId=domain_id)
    assert client.list_domains()["Domains"] == []


def test_delete_rejects_a_bad_retention_policy(raw_sm, sm):
    with pytest.raises(ClientError) as excinfo:
        raw_sm.delete_domain(DomainId="d-abc", RetentionPolicy={"HomeEfsFileSystem": "Keep"})
    code, message, _ = error_of(excinfo)
    assert code == "ValidationException"
    assert message == ("1 validation error detected: Value 'Keep' at 'retentionPolicy.homeEfsFileSystem' failed to "
                       "satisfy constraint: Member must satisfy enum value set: [Retain, Delete]")


def test_list_domains_pages_with_opaque_tokens(emulator, sm):
    names = [f"page-{i:02d}" for i in range(23)]
    for name in names:
        create_domain(sm, name=name, wait=False)
    first = sm.list_domains()
    assert len(first["Domains"]) == 10
    seen, token = [], None
    while True:
        page = sm.list_domains(MaxResults=10, **({"NextToken": token} if token else {}))
        seen += [d["DomainName"] for d in page["Domains"]]
        if len(seen) == 10:
            create_domain(sm, name="page-late", wait=False)
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names + ["page-late"]
    assert set(first["Domains"][0]) == {"DomainArn", "DomainId", "DomainName", "Status", "CreationTime",
                                        "LastModifiedTime", "Url"}
    other = emulator.client()
    with pytest.raises(ClientError) as excinfo:
        other.list_domains(NextToken=first["NextToken"])
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        sm.list_domains(NextToken="not-a-token")
    assert error_of(excinfo)[0] == "ValidationException"
    paginated = [d["DomainName"] for p in sm.get_paginator("list_domains").paginate(PaginationConfig={"PageSize": 7})
                 for d in p["Domains"]]
    assert paginated == names + ["page-late"]


def test_list_domains_max_results_range(raw_sm):
    for bad, rule in ((0, "greater than or equal to 1"), (101, "less than or equal to 100")):
        with pytest.raises(ClientError) as excinfo:
            raw_sm.list_domains(MaxResults=bad)
        code, message, _ = error_of(excinfo)
        assert code == "ValidationException"
        assert message == (f"1 validation error detected: Value '{bad}' at 'maxResults' failed to satisfy "
                           f"constraint: Member must have value {rule}")


def test_accounts_and_regions_are_isolated(emulator):
    account = random_account()
    owner = emulator.client(account=account, region="us-east-1")
    domain_id = create_domain(owner, name="isolated")["DomainId"]
    for intruder in (emulator.client(account=random_account(), region="us-east-1"),
                     emulator.client(account=account, region="eu-west-1")):
        with pytest.raises(intruder.exceptions.ResourceNotFound):
            intruder.describe_domain(DomainId=domain_id)
        with pytest.raises(intruder.exceptions.ResourceNotFound):
            intruder.update_domain(DomainId=domain_id, TagPropagation="ENABLED")
        with pytest.raises(intruder.exceptions.ResourceNotFound):
            intruder.delete_domain(DomainId=domain_id)
        assert intruder.list_domains()["Domains"] == []
        create_domain(intruder, name="isolated", wait=False)  # the name is free elsewhere
    assert owner.describe_domain(DomainId=domain_id)["Status"] == "InService"
    assert owner.describe_domain(DomainId=domain_id)["DomainArn"].split(":")[3:5] == ["us-east-1", account]


def test_non_numeric_access_keys_use_the_default_account(emulator):
    client = emulator.client(account="AKIAIOSFODNN7EXAMPLE", region="ap-south-1")
    arn = client.create_domain(DomainName=f"n{uuid.uuid4().hex[:8]}", AuthMode="IAM",
                               DefaultUserSettings={"ExecutionRole": ROLE})["DomainArn"]
    assert arn.startswith("arn:aws:sagemaker:ap-south-1:123456789012:domain/d-")


def test_domain_quota_per_account_and_region(make_emulator):
    emulator = make_emulator("--max-domains", "2")
    client = emulator.client()
    create_domain(client, wait=False)
    create_domain(client, wait=False)
    with pytest.raises(client.exceptions.ResourceLimitExceeded) as excinfo:
        create_domain(client, wait=False)
    assert error_of(excinfo)[1] == (
        "The account-level service limit 'Total domains' is 2 Domains, with current utilization of 2 Domains and a "
        "request delta of 1 Domains. Please use AWS Service Quotas to request an increase for this quota. If AWS "
        "Service Quotas is not available, contact AWS support to request an increase for this quota.")
    create_domain(emulator.client(), wait=False)  # another account has its own quota


def test_state_survives_a_restart(make_emulator):
    emulator = make_emulator()
    account = random_account()
    client = emulator.client(account=account)
    domain_id = create_domain(client, name="durable")["DomainId"]
    client.update_domain(DomainId=domain_id, DefaultUserSettings={"SecurityGroups": ["sg-1"]})
    wait_for_status(client, domain_id, "InService")
    before = client.describe_domain(DomainId=domain_id)
    before.pop("ResponseMetadata")
    emulator.restart()
    client = emulator.client(account=account)
    after = client.describe_domain(DomainId=domain_id)
    after.pop("ResponseMetadata")
    assert after == before
    token = client.list_domains(MaxResults=1)
    assert [d["DomainId"] for d in token["Domains"]] == [domain_id]


def test_a_transition_due_while_stopped_completes_after_restart(make_emulator):
    import time
    emulator = make_emulator("--domain-create-delay", "3")
    account = random_account()
    client = emulator.client(account=account)
    domain_id = create_domain(client, wait=False)["DomainId"]
    assert client.describe_domain(DomainId=domain_id)["Status"] == "Pending"
    emulator.stop()
    time.sleep(3.2)
    emulator.start()
    client = emulator.client(account=account)
    assert wait_for_status(client, domain_id, "InService", timeout=2) == "InService"


def test_settings_come_from_environment_variables(make_emulator):
    emulator = make_emulator(use_port_option=False, env={"SAGEMAKER_EMULATOR_MAX_DOMAINS": "1",
                                                          "SAGEMAKER_EMULATOR_DEFAULT_REGION": "eu-central-1"})
    client = emulator.client()
    create_domain(client, wait=False)
    with pytest.raises(client.exceptions.ResourceLimitExceeded):
        create_domain(client, wait=False)
    status, _, body = emulator.raw("SageMaker.CreateDomain",
                                   '{"DomainName":"u","AuthMode":"IAM","DefaultUserSettings":{}}')
    assert status == 200 and ":eu-central-1:123456789012:" in body["DomainArn"]


def test_start_up_names_the_store_and_its_file(tmp_path):
    """The start-up line says where the state lives (a user must know which directory holds it)."""
    import subprocess

    from conftest import BINARY, POSTGRES_SERVER, free_port, postgres_database

    cases = [(["--data-dir", str(tmp_path / "data")], f"store=sqlite:{tmp_path}/data/sagemaker.sqlite"),
             (["--in-memory"], 'store="memory (nothing survives a restart)"')]
    if POSTGRES_SERVER:
        # The database, without the password a URL may carry.
        url = postgres_database(str(tmp_path)).replace("postgres@", "postgres:s3cret@", 1)
        cases.append((["--database-url", url], 'store="' + url.replace(":s3cret@", "@") + '"'))
    for args, expected in cases:
        process = subprocess.Popen([BINARY, "serve", "--port", str(free_port()), *args], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        try:
            line = ""
            while "sagemaker-emulator listening" not in line:
                line = process.stderr.readline()
                assert line, "the emulator exited before it was listening"
            assert expected in line, line
        finally:
            process.kill()
            process.wait()


def test_version_names_the_release_and_the_model(tmp_path):
    import json
    import subprocess
    from pathlib import Path

    from conftest import BINARY

    model = json.loads((Path(__file__).resolve().parents[1] / "model" / "sagemaker-2017-07-24.json").read_text())
    botocore = model["x-emulator"]["botocoreVersion"]
    for args in (["--version"], ["serve", "--version"]):
        done = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert re.fullmatch(rf"sagemaker-emulator \d+\.\d+\.\d+ \(SageMaker model of botocore {re.escape(botocore)}\)\n",
                            done.stdout), done.stdout


def test_home_efs_file_system_creation(emulator):
    """botocore 1.44's HomeEfsFileSystemCreation, sent raw (the suite's boto3 may predate it)."""
    import json
    import time

    def call(operation, **body):
        return emulator.raw(f"SageMaker.{operation}", json.dumps(body))

    def described(domain_id):
        deadline = time.monotonic() + 10
        while True:
            status, _, domain = call("DescribeDomain", DomainId=domain_id)
            assert status == 200, domain
            if domain["Status"] == "InService" or time.monotonic() > deadline:
                return domain
            time.sleep(0.05)

    base = {"AuthMode": "IAM", "VpcId": "vpc-1", "SubnetIds": ["subnet-1"],
            "DefaultUserSettings": {"ExecutionRole": ROLE}}
    status, _, created = call("CreateDomain", DomainName=f"no-efs-{uuid.uuid4().hex[:8]}",
                              HomeEfsFileSystemCreation="Disabled", **base)
    assert status == 200, created
    domain = described(created["DomainId"])
    assert domain["HomeEfsFileSystemCreation"] == "Disabled" and "HomeEfsFileSystemId" not in domain
    # Disabled -> Enabled creates the file system.
    status, _, answer = call("UpdateDomain", DomainId=created["DomainId"], HomeEfsFileSystemCreation="Enabled")
    assert status == 200, answer
    domain = described(created["DomainId"])
    assert domain["HomeEfsFileSystemCreation"] == "Enabled"
    assert re.fullmatch(r"fs-[0-9a-f]{17}", domain["HomeEfsFileSystemId"])
    # Enabled -> Disabled is refused and changes nothing.
    status, _, refused = call("UpdateDomain", DomainId=created["DomainId"], HomeEfsFileSystemCreation="Disabled")
    assert status == 400 and refused["__type"].endswith("ValidationException"), refused
    assert refused["message"] == "HomeEfsFileSystemCreation cannot be changed from Enabled to Disabled."
    assert described(created["DomainId"]) == domain
    # The default is Enabled, with a file system; a value outside the enum is the model's refusal.
    status, _, created = call("CreateDomain", DomainName=f"efs-{uuid.uuid4().hex[:8]}", **base)
    domain = described(created["DomainId"])
    assert domain["HomeEfsFileSystemCreation"] == "Enabled" and domain["HomeEfsFileSystemId"].startswith("fs-")
    status, _, refused = call("CreateDomain", DomainName="bad-efs", HomeEfsFileSystemCreation="Sometimes", **base)
    assert status == 400 and "Member must satisfy enum value set: [Enabled, Disabled]" in refused["message"]
