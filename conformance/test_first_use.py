"""What a new user meets first, against the real binary: a port already taken, the help, the start-up and shutdown
lines, what a browser asks of the root, and holds of what does not exist."""
import http.client
import json
import re
import signal
import socket
import subprocess

from conftest import BINARY, ROOT, create_domain, free_port


def test_a_port_in_use_names_the_address_and_the_option_and_leaves_nothing_behind(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        data = tmp_path / "never-made"
        done = subprocess.run([BINARY, "--port", str(port), "--data-dir", str(data)], capture_output=True, text=True,
                              timeout=30)
    assert done.returncode == 1
    assert done.stderr == (f"Error: 127.0.0.1:{port} is already in use by another process: choose another port with "
                           "--port (SAGEMAKER_EMULATOR_PORT), or stop that process.\n")
    assert not data.exists()


def test_the_help_shows_the_default_subcommands_options_within_80_columns():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- options: serve -->")[1].split("<!-- end of options -->")[0]
    options = re.findall(r"^\| `(--[a-z-]+)`", table, re.MULTILINE)
    assert len(options) > 30
    for command in ([BINARY, "--help"], [BINARY, "help", "serve"]):
        text = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout
        assert [option for option in options if option not in text] == [], command
        assert [line for line in text.splitlines() if len(line) > 80] == [], command
        # A wrapped help line keeps its option's indent.
        assert all(line.startswith("  ") for line in text.split("--host <value>")[1].splitlines()[:40] if line)
    faults = subprocess.run([BINARY, "control", "faults", "--help"], capture_output=True, text=True, timeout=30).stdout
    assert "default" in " ".join(faults.split()).split("--fail-transition")[-1]


def start(tmp_path, *args):
    """Starts the binary with JSON logs; returns it, its port and its start-up line."""
    port = free_port()
    process = subprocess.Popen([BINARY, "--port", str(port), "--data-dir", str(tmp_path / "data"), "--log-format",
                                "json", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(10):
        line = json.loads(process.stderr.readline())
        if line["message"] == "sagemaker-emulator listening":
            return process, port, line
    raise AssertionError("no start-up line")


def test_the_start_up_line_names_the_console_and_shutdown_is_logged(tmp_path):
    for stop in (signal.SIGTERM, signal.SIGINT):
        process, port, line = start(tmp_path)
        assert line["console"] == f"http://127.0.0.1:{port}/_emulator/console"
        process.send_signal(stop)
        rest = process.stderr.read()
        assert process.wait(timeout=10) == 0
        messages = [json.loads(entry)["message"] for entry in rest.splitlines() if entry.startswith("{")]
        assert messages[-1] == "sagemaker-emulator stopped", rest


def urllib_open(url):
    import urllib.request
    return urllib.request.urlopen(url, timeout=10)


def get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    answer = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return answer


def test_a_browser_at_the_root_is_sent_to_the_console_and_its_favicon_request_is_not_an_aws_call(emulator):
    def journal():
        with urllib_open(emulator.url + "/_emulator/requests") as response:
            return json.loads(response.read())["requests"]
    before = len(journal())
    status, headers, _ = get(emulator.port, "/", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert (status, headers["Location"]) == (302, "/_emulator/console")
    assert get(emulator.port, "/favicon.ico")[0] == 404
    assert len(journal()) == before
    # An AWS client's GET of the root is still the AWS answer.
    status, _, body = get(emulator.port, "/")
    assert status == 400 and json.loads(body)["__type"] == "UnknownOperationException"


def test_a_hold_names_a_resource_that_exists(emulator, sm):
    assert emulator.control("POST", "holds", {"resource": "d-doesnotexist"}) == (404, {
        "error": "NotFound",
        "message": "There is no resource d-doesnotexist: name one by its ARN or its id (d-..., d-.../profile)."})
    missing_arn = "arn:aws:sagemaker:us-east-1:111122223333:domain/d-doesnotexist"
    assert emulator.control("POST", "holds", {"resource": missing_arn})[0] == 404
    domain = create_domain(sm)
    for name in (domain["DomainId"], domain["DomainArn"]):
        status, answer = emulator.control("POST", "holds", {"resource": name})
        assert status == 200 and name in answer["holds"]
    held = subprocess.run([BINARY, "control", "hold", "d-doesnotexist", "--endpoint", emulator.url],
                          capture_output=True, text=True, timeout=30)
    assert held.returncode != 0 and "There is no resource d-doesnotexist" in held.stdout + held.stderr
    emulator.control("DELETE", "holds")
