"""--auth verify: real clients' signatures are accepted, every refusal uses AWS's code and message."""
import datetime
import hashlib
import hmac
import json
import os
import subprocess
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore.config import Config

from conftest import BINARY, CLIENTS, Terraform, build_go_client, free_port

ALICE = ("AKIAALICEEXAMPLE0001", "alice-secret/with+chars", "111122223333")
BOB = ("AKIABOBEXAMPLE000002", "bob-secret", "444455556666")
MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.")


@pytest.fixture(scope="module")
def credentials_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "credentials"
    path.write_text("".join(
        f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\naws_account_id = {account}\n\n"
        for name, (key, secret, account) in [("alice", ALICE), ("bob", BOB)]))
    return str(path)


@pytest.fixture
def verifying(make_emulator, credentials_file):
    return make_emulator("--auth", "verify", "--credentials-file", credentials_file)


def client(server, identity, secret=None, region="us-east-1"):
    return boto3.client("sagemaker", endpoint_url=server.url, region_name=region, aws_access_key_id=identity[0],
                        aws_secret_access_key=secret or identity[1], config=Config(retries={"max_attempts": 1}))


def error_of(call):
    with pytest.raises(Exception) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"], \
        caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_boto3_signatures_are_verified_and_pick_the_identitys_account(verifying):
    alice = client(verifying, ALICE)
    created = alice.create_domain(DomainName="signed", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1",
                                  DefaultUserSettings={"ExecutionRole": "arn:aws:iam::111122223333:role/R"})
    assert ":111122223333:domain/" in created["DomainArn"]
    assert [d["DomainName"] for d in alice.list_domains()["Domains"]] == ["signed"]
    # Bob is another account: he sees nothing of Alice's, even with her account id as his key's name would suggest.
    assert client(verifying, BOB).list_domains()["Domains"] == []
    assert client(verifying, BOB, region="eu-west-1").list_domains()["Domains"] == []


def test_refusals_use_awss_codes_and_messages(verifying):
    assert error_of(lambda: client(verifying, ("AKIANOBODY0000000000", "x")).list_domains()) == (
        "UnrecognizedClientException", "The security token included in the request is invalid.", 400)
    assert error_of(lambda: client(verifying, ALICE, secret="wrong").list_domains()) == (
        "InvalidSignatureException", MISMATCH, 400)
    status, _, body = verifying.raw("SageMaker.ListDomains", "{}")
    assert (status, body["__type"], body["message"]) == (
        403, "MissingAuthenticationTokenException", "Request is missing Authentication Token")
    header = "AWS4-HMAC-SHA256 Signature=abc"
    status, _, body = verifying.raw("SageMaker.ListDomains", "{}", {"Authorization": header})
    assert (status, body["__type"], body["message"]) == (
        400, "IncompleteSignatureException", "Authorization header requires 'Credential' parameter. Authorization "
        f"header requires 'SignedHeaders' parameter. Authorization={header}")


def test_a_request_signed_with_another_body_fails(verifying):
    request = sign("POST", verifying.url, ALICE, "us-east-1", b'{"MaxResults": 5}')
    request.data = b'{"MaxResults": 6}'
    status, body = send(request)
    assert (status, body["__type"], body["message"]) == (400, "InvalidSignatureException", MISMATCH)


def test_a_date_more_than_five_minutes_off_is_refused(verifying):
    now = datetime.datetime.now(datetime.timezone.utc)
    status, body = send(sign("POST", verifying.url, ALICE, "us-east-1", b"{}", now=now - datetime.timedelta(minutes=2)))
    assert status == 200, body
    for offset, words in [(-10, "Signature expired: "), (10, "Signature not yet current: ")]:
        when = now + datetime.timedelta(minutes=offset)
        status, body = send(sign("POST", verifying.url, ALICE, "us-east-1", b"{}", now=when))
        assert (status, body["__type"]) == (400, "InvalidSignatureException")
        stamp = when.strftime("%Y%m%dT%H%M%SZ")
        assert body["message"].startswith(words + stamp + (" is now earlier than " if offset < 0 else " is still later than"))
        assert body["message"].endswith(" - 5 min.)" if offset < 0 else " + 5 min.)")


def test_presigned_query_requests_are_verified(verifying):
    for secret, expected in [(ALICE[1], 200), ("wrong", 400)]:
        request = botocore.awsrequest.AWSRequest(
            method="POST", url=verifying.url + "/", data=b"{}",
            headers={"X-Amz-Target": "SageMaker.ListDomains", "Content-Type": "application/x-amz-json-1.1"})
        botocore.auth.SigV4QueryAuth(botocore.credentials.Credentials(ALICE[0], secret), "sagemaker", "us-east-1",
                                     expires=60).add_auth(request)
        prepared = request.prepare()
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        status, body = send(urllib.request.Request(prepared.url, data=body, method="POST",
                                                   headers=dict(prepared.headers)))
        assert status == expected, body


def test_the_aws_cli_is_verified(verifying):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ALICE[0], AWS_SECRET_ACCESS_KEY=ALICE[1], AWS_DEFAULT_REGION="us-east-1")
    env.pop("AWS_PROFILE", None)
    done = subprocess.run(["aws", "sagemaker", "list-domains", "--endpoint-url", verifying.url], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Domains"] == []
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    done = subprocess.run(["aws", "sagemaker", "list-domains", "--endpoint-url", verifying.url], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "InvalidSignatureException" in done.stderr


def test_serving_beyond_loopback_without_authentication_needs_an_explicit_flag(tmp_path):
    port = free_port()
    refused = subprocess.run([BINARY, "serve", "--host", "0.0.0.0", "--port", str(port), "--in-memory"],
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0
    assert "--allow-unauthenticated" in refused.stderr
    allowed = subprocess.Popen([BINARY, "serve", "--host", "0.0.0.0", "--port", str(port), "--in-memory",
                                "--allow-unauthenticated"], stderr=subprocess.PIPE)
    try:
        import time
        import socket
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        assert allowed.poll() is None
    finally:
        allowed.terminate()
        allowed.wait()


def sign(method, url, identity, region, body, now=None, target="SageMaker.ListDomains"):
    """An independent SigV4 signer (header form) that can sign at any time."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    host = url.split("://", 1)[1]
    headers = {"content-type": "application/x-amz-json-1.1", "host": host, "x-amz-date": stamp,
               "x-amz-target": target}
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, "/", "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed,
                           hashlib.sha256(body).hexdigest()])
    scope = f"{stamp[:8]}/{region}/sagemaker/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + identity[1]).encode()
    for part in [stamp[:8], region, "sagemaker", "aws4_request"]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(url + "/", data=body, method=method)
    for name, value in headers.items():
        if name != "host":
            request.add_header(name, value)
    request.add_header("Authorization", f"AWS4-HMAC-SHA256 Credential={identity[0]}/{scope}, "
                                        f"SignedHeaders={signed}, Signature={signature}")
    return request


def send(request):
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_go_sdk_is_verified(verifying, tmp_path):
    binary = build_go_client("go-list-domains", tmp_path)
    env = dict(os.environ, SAGEMAKER_ENDPOINT_URL=verifying.url, AWS_ACCESS_KEY_ID=BOB[0],
               AWS_SECRET_ACCESS_KEY=BOB[1])
    done = subprocess.run([binary, "go-signed"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"].startswith(f"arn:aws:sagemaker:us-east-1:{BOB[2]}:studio-lifecycle-config/")
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    done = subprocess.run([binary, "go-unsigned"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.strip() == "InvalidSignatureException"


def test_terraform_is_verified(verifying, tmp_path):
    terraform = Terraform(tmp_path / "tf", {"endpoint": verifying.url, "access_key": ALICE[0],
                                            "secret_key": ALICE[1], "name": "terraform-signed"})
    (terraform.work / "main.tf").write_text((CLIENTS / "terraform-lifecycle-config" / "main.tf").read_text())
    terraform.check("init")
    terraform.check("apply", "-auto-approve")
    described = client(verifying, ALICE).describe_studio_lifecycle_config(StudioLifecycleConfigName="terraform-signed")
    assert described["StudioLifecycleConfigArn"].startswith(f"arn:aws:sagemaker:us-east-1:{ALICE[2]}:")
    terraform.check("destroy", "-auto-approve")
    # A wrong secret is refused with AWS's code, which the provider reports.
    refused = terraform.run("apply", "-auto-approve", variables={"secret_key": "wrong"})
    assert refused.returncode != 0 and "InvalidSignatureException" in refused.stderr
