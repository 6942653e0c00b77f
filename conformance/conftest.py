"""Starts the real sagemaker-emulator binary and hands tests boto3 clients pointed at it."""
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
BINARY = os.environ.get("SAGEMAKER_EMULATOR_BIN", str(ROOT / ".build" / "debug" / "sagemaker-emulator"))
ROLE = "arn:aws:iam::111111111111:role/Execution"


# The store this run's emulators keep their state in: the SQLite file of their data directory (the default) or, with
# SAGEMAKER_EMULATOR_CONFORMANCE_STORE=postgres, a database of its own per data directory on the PostgreSQL server that
# SAGEMAKER_EMULATOR_TEST_DATABASE_URL names (scripts/postgres): the same suite, against the other store.
STORE = os.environ.get("SAGEMAKER_EMULATOR_CONFORMANCE_STORE", "sqlite")
POSTGRES_SERVER = os.environ.get("SAGEMAKER_EMULATOR_TEST_DATABASE_URL", "")


def postgres_database(key):
    """A database of the test server for `key` (created the first time), as a URL."""
    name = "sm_" + hashlib.sha1(f"{os.getpid()} {key}".encode()).hexdigest()[:20]
    exists = subprocess.run(["psql", POSTGRES_SERVER, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                            check=True, capture_output=True, text=True).stdout.strip()
    if exists != "1":
        subprocess.run(["psql", POSTGRES_SERVER, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + name


# SAGEMAKER_EMULATOR_CONFORMANCE_IMAGE=sagemaker-emulator:latest runs every emulator of the suite in a container of
# that image (scripts/test-image): on the host's network, its data directory mounted at the same path, with the
# image's container defaults set back to the binary's so that the same tests hold.
IMAGE = os.environ.get("SAGEMAKER_EMULATOR_CONFORMANCE_IMAGE")
BINARY_DEFAULTS = {"SAGEMAKER_EMULATOR_HOST": "127.0.0.1", "SAGEMAKER_EMULATOR_ALLOW_UNAUTHENTICATED": "false",
                   "SAGEMAKER_EMULATOR_CONTROL_ACCESS": "loopback"}

sqlite_only = pytest.mark.skipif(STORE != "sqlite", reason="about the SQLite file of the data directory")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def random_account():
    return "".join(random.choice("0123456789") for _ in range(12))


class Emulator:
    """One emulator process; `restart` keeps its data directory."""

    def __init__(self, data_dir, args=(), env=None, use_port_option=True):
        self.data_dir = data_dir
        self.args = list(args)
        self.env = env or {}
        self.use_port_option = use_port_option
        self.process = None
        self.port = None
        # Runs in the child before exec (resource limits, say).
        self.preexec = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        env = dict(os.environ, **self.env)
        command = [BINARY, "serve", "--data-dir", self.data_dir, "--log-level", "warning", *self.args]
        if STORE == "postgres" and not {"--in-memory", "--database-url"} & set(self.args):
            command += ["--database-url", postgres_database(self.data_dir)]
        if self.use_port_option:
            command += ["--port", str(self.port)]
        else:
            env["SAGEMAKER_EMULATOR_PORT"] = str(self.port)
        # The log goes to a file, never to a pipe nobody reads while the test runs: a full pipe would block the
        # emulator's logging thread, and with it the requests. One file across restarts.
        if getattr(self, "log_file", None) is None:
            self.log_file = tempfile.NamedTemporaryFile(prefix="sm-emulator-log-", suffix=".txt", delete=False)
        if IMAGE:
            command = self.container_command(command, env)
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=self.log_file,
                                        preexec_fn=self.preexec)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"emulator exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("emulator did not start listening")

    def container_command(self, command, env):
        """`docker run` of the image with the same arguments (the image's entry point is the binary); the docker
        client passes SIGTERM on to the emulator, which is the container's PID 1. As the suite's own user, with the
        temporary folder shared, so that the files a test names (credentials, state files) are there; the image's
        own user is tested by test_container.py."""
        self.container = f"sm-conformance-{os.getpid()}-{self.port}"
        variables = dict(BINARY_DEFAULTS)
        variables.update({key: value for key, value in env.items()
                          if key.startswith("SAGEMAKER_EMULATOR_") and os.environ.get(key) != value})
        options = [f"--env={key}={value}" for key, value in variables.items()]
        shared = {tempfile.gettempdir(), os.path.dirname(os.path.abspath(self.data_dir))}
        volumes = [f"--volume={path}:{path}" for path in sorted(shared)]
        return ["docker", "run", "--rm", "--network=host", f"--name={self.container}",
                f"--user={os.getuid()}:{os.getgid()}", *volumes, *options, IMAGE, *command[1:]]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if IMAGE and getattr(self, "container", None):
            subprocess.run(["docker", "rm", "--force", self.container], capture_output=True, timeout=60)

    def log(self):
        """What the process has logged so far (its standard error)."""
        return Path(self.log_file.name).read_text(errors="replace")

    def restart(self):
        self.stop()
        return self.start()

    def client(self, account=None, region="us-east-1", validate=True):
        return boto3.client(
            "sagemaker",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=account or random_account(),
            aws_secret_access_key="secret",
            config=Config(parameter_validation=validate, retries={"max_attempts": 1}),
        )

    def control(self, method, path, body=None, headers=None):
        return control(self, method, path, body, headers)

    def raw(self, target, body, headers=None):
        """POSTs a raw body; returns (status, headers, parsed JSON or text)."""
        request = urllib.request.Request(self.url + "/", data=body if isinstance(body, bytes) else body.encode(),
                                         method="POST")
        request.add_header("Content-Type", "application/x-amz-json-1.1")
        if target:
            request.add_header("X-Amz-Target", target)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, dict(response.headers), _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), _json(error.read())


def control(emulator, method, path, body=None, headers=None):
    """Calls the control API (`/_emulator/<path>`); returns (status, parsed JSON or text)."""
    import json
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(emulator.url + "/_emulator/" + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())


def _json(data):
    import json
    try:
        return json.loads(data)
    except ValueError:
        return data.decode(errors="replace")


@pytest.fixture(scope="session")
def emulator():
    directory = tempfile.mkdtemp(prefix="sm-conformance-")
    instance = Emulator(directory).start()
    yield instance
    instance.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def make_emulator():
    """Starts emulators with extra options; each is stopped at the end of the test."""
    started = []
    directories = []

    def make(*args, data_dir=None, env=None, use_port_option=True):
        if data_dir is None:
            data_dir = tempfile.mkdtemp(prefix="sm-conformance-")
            directories.append(data_dir)
        instance = Emulator(data_dir, args, env, use_port_option).start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        instance.stop()
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def sm(emulator):
    """A boto3 client in a fresh account of the shared emulator."""
    return emulator.client()


class SlowTransitions:
    """Long delays on the shared emulator, so that a status read right after a change is the transition's own however
    slow the machine is; `complete()` ends the pending transitions, as `/_emulator/transitions/complete` does."""

    def __init__(self, emulator):
        self.emulator = emulator
        status, self.before = emulator.control("GET", "delays")
        assert status == 200, self.before

    def __call__(self, **delays):
        """Sets the named delays (seconds); with none, every delay to an hour."""
        status, answer = self.emulator.control("PUT", "delays", delays or {name: 3600 for name in self.before})
        assert status == 200, answer

    def complete(self):
        status, answer = self.emulator.control("POST", "transitions/complete")
        assert status == 200, answer

    def restore(self):
        self.complete()
        self.emulator.control("PUT", "delays", self.before)


@pytest.fixture
def slow_transitions(emulator):
    """`slow_transitions()` holds every transition of the shared emulator until `slow_transitions.complete()`; the
    delays in force before are put back after the test."""
    slow = SlowTransitions(emulator)
    yield slow
    slow.restore()


@pytest.fixture
def raw_sm(emulator):
    """A boto3 client that sends whatever it is given (parameter_validation=False)."""
    return emulator.client(validate=False)


def wait_for_status(client, domain_id, wanted, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        status = client.describe_domain(DomainId=domain_id)["Status"]
        if status == wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


def wait_until_gone(client, domain_id, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.describe_domain(DomainId=domain_id)
        except client.exceptions.ResourceNotFound:
            return True
        time.sleep(0.02)
    return False


def create_domain(client, name=None, wait=True, **extra):
    params = {
        "DomainName": name or f"domain-{random.randrange(10**9)}",
        "AuthMode": "IAM",
        "DefaultUserSettings": {"ExecutionRole": ROLE},
        "SubnetIds": ["subnet-0a1b2c"],
        "VpcId": "vpc-0a1b2c",
    }
    params.update(extra)
    response = client.create_domain(**params)
    if wait:
        assert wait_for_status(client, response["DomainId"], "InService") == "InService"
    return response


def presigned_claims(url, domain_id, region="us-east-1"):
    """The claims inside a presigned domain URL's token, after checking the URL has AWS's form: the domain's Studio
    URL, `/auth`, and `token` as its only parameter."""
    import base64
    import json
    import re
    match = re.fullmatch(rf"https://{domain_id}\.studio\.{region}\.sagemaker\.aws/auth\?token=([A-Za-z0-9_-]+)\.[a-z0-9]{{43}}",
                         url)
    assert match, url
    encoded = match.group(1)
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


def wait_for(read, wanted, timeout=10):
    """Polls `read()` (a status) until it is `wanted`; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value == wanted or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def wait_for_error(call, code, timeout=10):
    """Polls `call()` until it fails with the error `code`; True if it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            call()
        except Exception as error:  # noqa: BLE001 - botocore's modelled errors have no common base but ClientError
            if getattr(error, "response", {}).get("Error", {}).get("Code") == code:
                return True
            raise
        time.sleep(0.02)
    return False


def create_profile(client, domain_id, name, wait=True, **extra):
    response = client.create_user_profile(DomainId=domain_id, UserProfileName=name, **extra)
    if wait:
        read = lambda: client.describe_user_profile(DomainId=domain_id, UserProfileName=name)["Status"]
        assert wait_for(read, "InService") == "InService"
    return response


def create_image(client, name, versions=1):
    """An image with `versions` versions, each CREATED (custom images in settings must name existing ones)."""
    client.create_image(ImageName=name, RoleArn=ROLE)
    wait_for(lambda: client.describe_image(ImageName=name)["ImageStatus"], "CREATED")
    for number in range(1, versions + 1):
        client.create_image_version(ImageName=name, BaseImage=f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:{number}")
        wait_for(lambda: client.describe_image_version(ImageName=name, Version=number)["ImageVersionStatus"], "CREATED")


def create_app(client, domain_id, app_type="JupyterLab", name="default", wait=True, **owner):
    response = client.create_app(DomainId=domain_id, AppType=app_type, AppName=name, **owner)
    if wait:
        read = lambda: client.describe_app(DomainId=domain_id, AppType=app_type, AppName=name, **owner)["Status"]
        assert wait_for(read, "InService") == "InService"
    return response


# One cache per store: the two passes of scripts/test run at once, and a plugin cache is not safe for concurrent use.
TERRAFORM_PLUGIN_CACHE = Path(tempfile.gettempdir()) / f"sm-conformance-terraform-plugins-{STORE}"


class _InitExcludesTheRest:
    """An `init` whose working directory has no lock file yet links the provider into the plugin cache anew (removes
    the cache's entry and makes it again), and a command starting in another directory at that moment finds no
    provider ("Required plugins are not installed"). So an `init` runs alone; other commands run side by side."""

    def __init__(self):
        self.changed = threading.Condition()
        self.running = 0
        self.initialising = False

    def hold(self, exclusive):
        with self.changed:
            self.changed.wait_for(lambda: not self.initialising and (not exclusive or self.running == 0))
            if exclusive:
                self.initialising = True
            else:
                self.running += 1

    def release(self, exclusive):
        with self.changed:
            if exclusive:
                self.initialising = False
            else:
                self.running -= 1
            self.changed.notify_all()


TERRAFORM_COMMANDS = _InitExcludesTheRest()


class Terraform:
    """The real Terraform CLI in one working directory, with the AWS provider from the machine's filesystem mirror
    (/opt/tf-plugins) through a shared plugin cache, so that each working directory links the provider instead of
    copying its 675 MB."""

    def __init__(self, work, variables=None, timeout=900):
        self.work = Path(work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.variables = dict(variables or {})
        self.timeout = timeout
        TERRAFORM_PLUGIN_CACHE.mkdir(exist_ok=True)
        self.plugin_cache = TERRAFORM_PLUGIN_CACHE
        cli_config = self.work / ".terraformrc"
        cli_config.write_text(f'plugin_cache_dir = "{TERRAFORM_PLUGIN_CACHE}"\n'
                              'provider_installation {\n  filesystem_mirror {\n    path = "/opt/tf-plugins"\n'
                              '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n')
        self.env = dict(os.environ, TF_CLI_CONFIG_FILE=str(cli_config), CHECKPOINT_DISABLE="1",
                        TF_IN_AUTOMATION="1")
        self.env.pop("TF_LOG", None)

    def run(self, *args, variables=None):
        """Runs one command; `variables` (added to the instance's) go to the commands that take -var."""
        command = ["terraform", *args]
        if args[0] in ("init", "apply", "plan", "destroy", "import", "refresh"):
            options = ["-input=false", "-no-color"]
            if args[0] != "init":
                for name, value in dict(self.variables, **(variables or {})).items():
                    options += ["-var", f"{name}={value}"]
            # Options before the positional arguments (import's address and id).
            command = ["terraform", args[0], *options, *args[1:]]
        exclusive = args[0] == "init"
        TERRAFORM_COMMANDS.hold(exclusive)
        try:
            return subprocess.run(command, cwd=self.work, env=self.env, capture_output=True, text=True,
                                  timeout=self.timeout)
        finally:
            TERRAFORM_COMMANDS.release(exclusive)

    def check(self, *args, variables=None):
        """Runs one command and fails the test with its output unless it succeeds."""
        done = self.run(*args, variables=variables)
        assert done.returncode == 0, (f"terraform {' '.join(args)} exited {done.returncode}:\n{done.stderr}\n"
                                      f"{_tail(done.stdout)}")
        return done

    def plans_no_change(self, variables=None):
        """`plan -detailed-exitcode`: 0 is no change, 2 is drift (shown), 1 an error."""
        plan = self.run("plan", "-detailed-exitcode", variables=variables)
        assert plan.returncode == 0, f"plan exited {plan.returncode} (2 = changes):\n{plan.stderr}\n{_tail(plan.stdout)}"


def _tail(output, lines=60):
    """The end of a long Terraform output (its plan), where the changes and the summary are."""
    return "\n".join(output.splitlines()[-lines:])


CLIENTS = ROOT / "conformance" / "clients"


def build_go_client(name, directory):
    """Builds conformance/clients/<name> with the Debian Go SDK (v1); returns the binary. The build cache is shared
    by the tests, so the SDK's SageMaker package compiles once a run."""
    binary = str(Path(directory) / name)
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
               GOCACHE=str(Path(tempfile.gettempdir()) / "sm-conformance-gocache"))
    build = subprocess.run(["go", "build", "-o", binary, "."], cwd=CLIENTS / name, env=env, capture_output=True,
                           text=True, timeout=900)
    assert build.returncode == 0, build.stderr
    return binary
