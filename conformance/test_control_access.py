"""The control API cannot be driven by a web page: a real headless Chromium opens a page of another local origin whose
script sends the requests a malicious page would (no-cors POSTs with text/plain bodies, a preflighted JSON POST), and
nothing changes; a Host that is not the emulator's (DNS rebinding) and a body that is not JSON are refused too, while
the CLI, the plugin's JSON calls and curl-style requests keep working."""
import http.client
import http.server
import json
import subprocess
import threading
import time

import pytest

from conftest import BINARY, create_domain
from test_console import browser  # noqa: F401 - the headless Chromium fixture

ATTACK = """<!doctype html><title>loading</title><script>
const target = "%(emulator)s/_emulator/";
const plain = {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}};
Promise.allSettled([
  fetch(target + "reset", {...plain, body: "{}"}),
  fetch(target + "faults", {...plain, body: JSON.stringify({errorCode: "ThrottlingException"})}),
  fetch(target + "clock", {...plain, body: JSON.stringify({advance: 86400})}),
  fetch(target + "transitions/complete", {method: "POST", mode: "no-cors"}),
  fetch(target + "delays", {method: "PUT", headers: {"Content-Type": "application/json"},
                            body: JSON.stringify({domainCreate: 0})}),
  fetch(target + "state").then(r => r.text()),
]).then(results => { document.title = "done " + results.map(r => r.status).join(","); });
</script>"""


@pytest.fixture
def other_origin(emulator):
    """A page server on another port of 127.0.0.1: another origin, as far as the browser is concerned."""
    page = (ATTACK % {"emulator": emulator.url}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def control_state(emulator):
    faults = emulator.control("GET", "faults")[1]["rules"]
    clock = emulator.control("GET", "clock")[1]
    delays = emulator.control("GET", "delays")[1]
    return faults, clock.get("offsetSeconds", clock), delays


def test_a_page_of_another_origin_changes_nothing(emulator, sm, browser, other_origin):  # noqa: F811
    domain_id = create_domain(sm)["DomainId"]
    before = control_state(emulator)
    browser.get(other_origin)
    deadline = time.monotonic() + 20
    while not browser.title.startswith("done") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser.title.startswith("done"), browser.title
    assert sm.describe_domain(DomainId=domain_id)["DomainId"] == domain_id
    assert control_state(emulator) == before


def raw(emulator, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    connection.request(method, "/_emulator/" + path, body=body, headers=headers or {})
    response = connection.getresponse()
    answer = response.status, json.loads(response.read() or b"null")
    connection.close()
    return answer


def test_host_origin_and_media_type_rules(emulator):
    port = emulator.port
    # DNS rebinding: a name of the attacker's resolving to 127.0.0.1 makes the browser send its own Host.
    status, answer = raw(emulator, "GET", "state", headers={"Host": f"attacker.example:{port}"})
    assert (status, answer["error"]) == (403, "Forbidden")
    assert "attacker.example" in answer["message"]
    status, answer = raw(emulator, "POST", "reset", b"{}", {"Content-Type": "application/json",
                                                           "Origin": "http://127.0.0.1:1"})
    assert (status, answer["error"]) == (403, "Forbidden")
    status, answer = raw(emulator, "POST", "reset", b'{"account": "123456789012"}', {"Content-Type": "text/plain"})
    assert status == 415 and "application/json" in answer["message"]
    # What the emulator's own names, curl, the CLI and the plugin send.
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        assert raw(emulator, "GET", "holds", headers={"Host": host})[0] == 200
    assert raw(emulator, "GET", "holds", headers={"Origin": f"http://127.0.0.1:{port}"})[0] == 200
    assert raw(emulator, "POST", "transitions/complete")[0] == 200
    assert raw(emulator, "POST", "reset", b'{"account": "123456789012"}',
               {"Content-Type": "application/json; charset=utf-8"})[0] == 200
    listed = subprocess.run([BINARY, "control", "holds", "--endpoint", emulator.url], capture_output=True, text=True,
                            timeout=30)
    assert listed.returncode == 0 and json.loads(listed.stdout) == {"holds": []}
