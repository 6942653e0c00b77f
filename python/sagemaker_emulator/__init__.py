"""A handle on a sagemaker-emulator process (or one already running) and its control API (docs/control-api.md)."""
import json
import os
import random
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

__all__ = ["Emulator", "EmulatorError", "find_binary"]


class EmulatorError(RuntimeError):
    """The emulator refused a control call, or could not be started."""

    def __init__(self, status, answer):
        self.status = status
        self.answer = answer
        message = answer.get("message") if isinstance(answer, dict) else answer
        super().__init__(f"{status}: {message}")


# Where a platform wheel puts the binary (scripts/build-wheel).
BUNDLED = Path(__file__).parent / "bin" / "sagemaker-emulator"


def find_binary(explicit=None):
    """The emulator's executable: explicit, $SAGEMAKER_EMULATOR_BINARY, the bundled one, or `sagemaker-emulator`."""
    candidates = [explicit, os.environ.get("SAGEMAKER_EMULATOR_BINARY"), str(BUNDLED),
                  shutil.which("sagemaker-emulator")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise EmulatorError(0, "no sagemaker-emulator binary: set SAGEMAKER_EMULATOR_BINARY or put it on PATH")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Emulator:
    """A running emulator: `Emulator.start()` runs the binary, `Emulator(url)` uses one that is already running."""

    def __init__(self, url, process=None, admin_key=None):
        self.url = url.rstrip("/")
        self.process = process
        self.admin_key = admin_key or os.environ.get("SAGEMAKER_EMULATOR_ADMIN_KEY")

    @classmethod
    def start(cls, binary=None, args=(), timeout=30):
        """Runs the binary on a free loopback port, in memory, and waits until it answers."""
        port = _free_port()
        command = [find_binary(binary), "serve", "--in-memory", "--port", str(port), "--log-level", "warning", *args]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        emulator = cls(f"http://127.0.0.1:{port}", process=process)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EmulatorError(0, "the emulator exited: " + process.stderr.read().decode(errors="replace"))
            try:
                emulator.health()
                return emulator
            except (OSError, EmulatorError):
                time.sleep(0.05)
        emulator.stop()
        raise EmulatorError(0, f"the emulator did not answer within {timeout} s")

    def stop(self):
        """Stops a process this handle started (SIGTERM, then SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # -- clients ------------------------------------------------------------------------------------------------

    def client(self, account=None, region="us-east-1", retries=1, **config):
        """A boto3 SageMaker client for `account` (a fresh random one when None). `retries=1`: one attempt, so that
        an injected error reaches the caller instead of being retried away by botocore."""
        import boto3
        from botocore.config import Config
        return boto3.client(
            "sagemaker", endpoint_url=self.url, region_name=region,
            aws_access_key_id=account or "".join(random.choice("0123456789") for _ in range(12)),
            aws_secret_access_key="sagemaker-emulator",
            config=Config(retries={"total_max_attempts": retries}, **config))

    # -- the control API ----------------------------------------------------------------------------------------

    def call(self, method, path, body=None):
        """One control API call; returns the parsed answer, raises `EmulatorError` on a refusal."""
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.admin_key:
            request.add_header("Authorization", "Bearer " + self.admin_key)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = raw.decode(errors="replace")
            raise EmulatorError(error.code, answer) from None
        return json.loads(raw) if raw.strip() else None

    def health(self):
        return self.call("GET", "health")

    def reset(self, account=None, region=None):
        """Removes every resource, fault, hold and history entry (or those of one account and region)."""
        body = {key: value for key, value in (("account", account), ("region", region)) if value}
        return self.call("POST", "reset", body)["removedResources"]

    def state(self):
        return self.call("GET", "state")

    def load_state(self, state):
        return self.call("PUT", "state", state)

    def delays(self, **seconds):
        """The transition delays; with keywords (domainCreate=5, userProfile=0, ...), sets those first."""
        return self.call("PUT", "delays", seconds) if seconds else self.call("GET", "delays")

    def hold(self, resource):
        """Keeps a resource (id or ARN) in its status until `release`."""
        return self.call("POST", "holds", {"resource": resource})["holds"]

    def release(self, resource=None):
        path = "holds" + ("?" + urllib.parse.urlencode({"resource": resource}) if resource else "")
        return self.call("DELETE", path)["holds"]

    def complete(self):
        """Completes every pending transition now; returns how many."""
        return self.call("POST", "transitions/complete")["completed"]

    def advance_clock(self, seconds):
        return self.call("POST", "clock", {"advance": seconds})

    def add_fault(self, **rule):
        """Adds a fault rule as docs/control-api.md describes it; returns it with its id."""
        return self.call("POST", "faults", rule)

    def fail_next(self, operation, code, message=None, http_status=None, count=1, **match):
        """The next `count` calls of `operation` get the AWS error `code`."""
        error = {"code": code}
        if message is not None:
            error["message"] = message
        if http_status is not None:
            error["httpStatus"] = http_status
        return self.add_fault(operation=operation, error=error, count=count, **match)

    def fail_transition(self, operation, status=None, reason=None, count=1, **match):
        """The next transition started by `operation` ends in a failure status (Failed, Update_Failed, ...)."""
        failure = {key: value for key, value in (("status", status), ("reason", reason)) if value}
        return self.add_fault(operation=operation, failTransition=failure, count=count, **match)

    def slow_down(self, operation, seconds, **match):
        return self.add_fault(operation=operation, latency=seconds, **match)

    def faults(self):
        return self.call("GET", "faults")["rules"]

    def clear_faults(self, rule_id=None):
        self.call("DELETE", "faults" + (f"/{rule_id}" if rule_id else ""))

    def history(self, arn):
        """Every change of the resource named by `arn`, oldest first, each with what changed."""
        return self.call("GET", "history?" + urllib.parse.urlencode({"arn": arn}))["events"]

    def requests(self, **filters):
        """The last requests, filtered by operation, account, region, status, errorCode, faulted, limit."""
        query = {key: ("true" if value is True else value) for key, value in filters.items() if value is not None}
        return self.call("GET", "requests" + ("?" + urllib.parse.urlencode(query) if query else ""))["requests"]
