"""Defects that once crashed the server, lost writes or leaked: each test failed before its fix."""
import json
import os
import resource
import socket
import stat
import subprocess
import tempfile
import time

import pytest

from conftest import BINARY, ROLE, create_domain, create_profile, free_port, presigned_claims, sqlite_only

BAD_REGIONS = ["us east-1", "us|east-1", "us%east-1", "us{east-1", "\u00e9u-west-1", "US-EAST-1", "", "a" * 40]


def signed_header(region, key="111122223333"):
    return (f"AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/sagemaker/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)


def raw_socket(port, data, timeout=5):
    """Sends raw bytes; returns everything the server sent before closing (or the timeout)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data)
        sock.settimeout(timeout)
        out = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
        return out


def split_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return status, headers, body


@pytest.mark.parametrize("region", BAD_REGIONS)
def test_a_malformed_region_is_a_signature_error_and_never_a_crash(emulator, region):
    for target, body in [("SageMaker.CreateDomain", json.dumps({
            "DomainName": "bad-region", "AuthMode": "IAM", "DefaultUserSettings": {"ExecutionRole": ROLE},
            "SubnetIds": ["subnet-1"], "VpcId": "vpc-1"})),
            ("SageMaker.CreatePresignedDomainUrl", '{"DomainId":"d-aaaaaaaaaaaa","UserProfileName":"u"}')]:
        status, headers, answer = emulator.raw(target, body, {"Authorization": signed_header(region)})
        assert status == 400
        assert answer["__type"] == "InvalidSignatureException"
        if region.isascii():
            assert answer["message"] == f"Credential should be scoped to a valid region, not '{region}'. "
        else:
            assert answer["message"].startswith("Credential should be scoped to a valid region, not '")
        assert headers.get("x-amzn-RequestId")
    assert emulator.process.poll() is None
    assert "Domains" in emulator.client(account="111122223333").list_domains()


def test_presigned_url_of_every_valid_region_survives_a_restart(make_emulator):
    server = make_emulator()
    for region in ["us-east-1", "eu-central-1", "local-1"]:
        client = server.client(account="111122223333", region=region)
        domain = create_domain(client)
        create_profile(client, domain["DomainId"], "alice")
        url = client.create_presigned_domain_url(
            DomainId=domain["DomainId"], UserProfileName="alice", LandingUri="app:JupyterLab:/a b&c")["AuthorizedUrl"]
        assert presigned_claims(url, domain["DomainId"], region)["landingUri"] == "app:JupyterLab:/a b&c"
    server.restart()
    assert server.client(account="111122223333", region="local-1").list_domains()["Domains"]


@sqlite_only
def test_a_second_server_on_the_same_data_directory_is_refused(make_emulator):
    first = make_emulator()
    second = subprocess.run([BINARY, "serve", "--data-dir", first.data_dir, "--port", str(free_port())],
                            capture_output=True, text=True, timeout=30)
    assert second.returncode != 0
    assert "in use by another sagemaker-emulator process" in second.stderr
    assert f"pid {first.process.pid}" in second.stderr
    assert first.client().list_domains()["Domains"] == []


@sqlite_only
def test_the_data_directory_and_database_are_private(make_emulator):
    parent = tempfile.mkdtemp(prefix="sm-perm-")
    server = make_emulator(data_dir=os.path.join(parent, "new", "data"))
    create_domain(server.client())
    mode = lambda path: stat.S_IMODE(os.stat(path).st_mode)
    assert mode(server.data_dir) == 0o700
    for name in os.listdir(server.data_dir):
        assert mode(os.path.join(server.data_dir, name)) == 0o600, name


def test_the_http_parser_refusals_answer_json_with_a_request_id(emulator):
    cases = [
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    ]
    for request in cases:
        status, headers, body = split_response(raw_socket(emulator.port, request))
        assert status == 400
        assert headers["x-amzn-requestid"]
        assert json.loads(body)["__type"] == "SerializationException"


def test_a_malformed_chunked_body_is_a_client_error(emulator):
    request = (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Amz-Target: SageMaker.ListDomains\r\n"
               b"Content-Type: application/x-amz-json-1.1\r\n\r\n2\r\n{}\r\nZZ\r\n")
    status, headers, body = split_response(raw_socket(emulator.port, request))
    assert status == 400
    assert headers["x-amzn-requestid"]
    assert json.loads(body)["__type"] == "SerializationException"


def test_a_vanished_client_is_not_an_internal_failure_and_log_values_are_quoted(make_emulator):
    server = make_emulator("--log-level", "info")
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: SageMaker.ListDomains\r\nContent-Length: 100\r\n\r\n{}")
    forged = "SageMaker.ListDomains region=forged"
    server.raw(forged, "{}")
    time.sleep(0.3)
    server.stop()
    log = server.log()
    assert "internal failure" not in log
    request_lines = [line for line in log.splitlines() if "] request" in line and "forged" in line]
    assert request_lines and all('operation="SageMaker.ListDomains region=forged"' in line for line in request_lines)
    assert not any(" region=forged" in line.replace('"SageMaker.ListDomains region=forged"', "") for line in request_lines)


def test_idle_and_stalled_connections_are_closed(make_emulator):
    server = make_emulator("--idle-timeout", "1", "--request-timeout", "3")
    started = time.monotonic()
    # Two of a hundred body bytes, then silence: closed by the idle timeout (after a 400 for the incomplete body).
    answer = raw_socket(server.port, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: SageMaker.ListDomains\r\n"
                                     b"Content-Length: 100\r\n\r\n{}", timeout=10)
    assert time.monotonic() - started < 5
    assert answer == b"" or split_response(answer)[0] == 400
    # A byte every half second never goes idle, but the request must arrive whole within --request-timeout.
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        closed = False
        for _ in range(40):
            try:
                sock.sendall(b" ")
                sock.settimeout(0.5)
                if sock.recv(100) == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = True
                break
        assert closed
    assert time.monotonic() - started < 8
    assert server.client().list_domains()["Domains"] == []


def test_running_out_of_descriptors_is_not_a_crash(make_emulator, tmp_path):
    # A soft limit of 256 and a hard one of 512: the emulator raises the soft limit and caps its connections below.
    def limits():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 512))
    server = make_emulator("--idle-timeout", "2")
    server.stop()
    server.preexec = limits
    server.start()
    sockets = []
    try:
        for _ in range(700):
            sock = socket.socket()
            sock.setblocking(False)
            try:
                sock.connect(("127.0.0.1", server.port))
            except BlockingIOError:
                pass
            sockets.append(sock)
        time.sleep(0.5)
        assert server.process.poll() is None
        # Idle connections are closed after 2 s, and the ones waiting are then served.
        client = server.client()
        assert client.list_domains()["Domains"] == []
    finally:
        for sock in sockets:
            sock.close()
    assert server.process.poll() is None
    assert server.client().list_domains()["Domains"] == []


def test_a_document_over_the_size_limit_is_refused_and_changes_nothing(emulator):
    client = emulator.client(validate=False)
    domain = create_domain(client)
    before = client.describe_domain(DomainId=domain["DomainId"])
    hidden = ["ml.t3.medium"] * 60_000
    with pytest.raises(client.exceptions.ClientError) as error:
        client.update_domain(DomainId=domain["DomainId"],
                             DefaultUserSettings={"StudioWebPortalSettings": {"HiddenInstanceTypes": hidden}})
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "more than this emulator's limit" in error.value.response["Error"]["Message"]
    after = client.describe_domain(DomainId=domain["DomainId"])
    assert after["DefaultUserSettings"] == before["DefaultUserSettings"]
    assert after["LastModifiedTime"] == before["LastModifiedTime"]


def test_a_database_that_does_not_answer_fails_start_up_with_a_message(tmp_path):
    """A wrong --database-url must not leave a server that hangs before listening: start-up fails, naming the database
    (without its password) and the reason, with a non-zero exit."""
    port = free_port()  # nothing listens there
    url = f"postgres://emulator:s3cret@127.0.0.1:{port}/sagemaker"
    started = time.monotonic()
    done = subprocess.run([BINARY, "serve", "--port", str(free_port()), "--database-url", url,
                           "--database-timeout", "1.5"], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert time.monotonic() - started < 20
    assert f"postgres://emulator@127.0.0.1:{port}/sagemaker" in done.stderr, done.stderr
    assert "no answer from the database within 1.5 s" in done.stderr, done.stderr
    assert "s3cret" not in done.stderr


def _exchange(port, data, wait=3.0):
    """Sends raw bytes; returns what came back and whether the server closed the connection."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(data)
        connection.settimeout(wait)
        received, closed = b"", False
        try:
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    closed = True
                    break
                received += chunk
        except socket.timeout:
            pass
    return received, closed


LIST = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: SageMaker.ListDomains\r\n"
        b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}")


@pytest.mark.parametrize("upgrade", [b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n",
                                     b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"])
def test_an_upgrade_request_is_answered_and_the_connection_closes(emulator, upgrade):
    """The parser reads nothing after a request that asks for an upgrade: it is answered over HTTP/1.1 with
    Connection: close and the connection closes (it used to stay open answering nothing: curl --http2 hung)."""
    request = LIST.replace(b"Host: x\r\n", b"Host: x\r\n" + upgrade)
    received, closed = _exchange(emulator.port, request + LIST)
    assert received.startswith(b"HTTP/1.1 200 OK") and b"\r\nConnection: close\r\n" in received and closed
    assert received.count(b"HTTP/1.1 ") == 1
    # curl asking for h2c on two URLs reconnects for the second and gets both answers.
    done = subprocess.run(["curl", "-s", "--http2", "-X", "POST", "-H", "X-Amz-Target: SageMaker.ListDomains",
                           "-H", "Content-Type: application/x-amz-json-1.1", "-d", "{}", emulator.url + "/",
                           emulator.url + "/"], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0 and done.stdout.count('"Domains"') == 2, done


def test_a_malformed_request_behind_a_valid_one_gets_a_json_refusal(emulator):
    received, closed = _exchange(emulator.port, LIST + b"GARBAGE\r\n\r\n")
    first, _, second = received.partition(b"HTTP/1.1 400 Bad Request\r\n")
    assert first.startswith(b"HTTP/1.1 200 OK") and second, received
    headers, _, body = second.partition(b"\r\n\r\n")
    assert b"x-amzn-RequestId: " in headers and b"Connection: close" in headers and closed
    assert json.loads(body)["__type"] == "SerializationException"
