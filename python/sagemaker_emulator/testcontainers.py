"""A Testcontainers module for sagemaker-emulator: the image (`scripts/build-image`) started in a container, waited
for on `/_emulator/health`, with its endpoint, boto3 clients and the control API of `Emulator`.

    from sagemaker_emulator.testcontainers import SageMakerEmulatorContainer

    with SageMakerEmulatorContainer() as container:
        sagemaker = container.client()
        container.emulator.fail_next("CreateDomain", "ResourceLimitExceeded")

Needs `pip install "pytest-sagemaker-emulator[testcontainers]"` and a Docker engine. Where no registry can be
reached, set TESTCONTAINERS_RYUK_DISABLED=true: the reaper is an image of its own; the container is then removed by
`stop()` (or the `with` block) alone.
"""
import time
import urllib.error
import urllib.request

from testcontainers.core.container import DockerContainer

from . import Emulator, EmulatorError

__all__ = ["SageMakerEmulatorContainer", "DEFAULT_IMAGE"]

DEFAULT_IMAGE = "sagemaker-emulator:latest"
PORT = 9090


class SageMakerEmulatorContainer(DockerContainer):
    """The emulator in a container. `options` are serve's options without their dashes, as keywords:
    `SageMakerEmulatorContainer(status_profile="realistic", domain_create_delay=0)` sets
    SAGEMAKER_EMULATOR_STATUS_PROFILE and SAGEMAKER_EMULATOR_DOMAIN_CREATE_DELAY in the container."""

    def __init__(self, image=DEFAULT_IMAGE, admin_key=None, startup_timeout=60, **options):
        super().__init__(image)
        self.with_exposed_ports(PORT)
        self.admin_key = admin_key
        self.startup_timeout = startup_timeout
        if admin_key:
            self.with_env("SAGEMAKER_EMULATOR_ADMIN_KEY", admin_key)
        for name, value in options.items():
            self.with_option(name, value)
        self._emulator = None

    def with_option(self, name, value):
        """Sets one of serve's options (`status_profile`, `domain-create-delay`, ...) through its variable."""
        variable = "SAGEMAKER_EMULATOR_" + name.replace("-", "_").upper()
        self.with_env(variable, "true" if value is True else "false" if value is False else str(value))
        return self

    def start(self):
        super().start()
        self._emulator = Emulator(self.endpoint_url, admin_key=self.admin_key)
        self._wait_for_health()
        return self

    def _wait_for_health(self):
        """Waits until `/_emulator/health` answers `ok` (what the image's HEALTHCHECK asks too)."""
        deadline = time.monotonic() + self.startup_timeout
        last = None
        while time.monotonic() < deadline:
            try:
                if self._emulator.health().get("status") == "ok":
                    return
            except (OSError, EmulatorError, urllib.error.URLError, ValueError) as error:
                last = error
            time.sleep(0.1)
        logs = b"\n".join(part for part in self.get_logs() if part).decode(errors="replace")
        raise EmulatorError(0, f"the container did not answer within {self.startup_timeout} s ({last}): {logs}")

    @property
    def endpoint_url(self):
        """The URL boto3, the AWS CLI and Terraform take: `http://<docker host>:<mapped port>`."""
        return f"http://{self.get_container_host_ip()}:{self.get_exposed_port(PORT)}"

    def get_endpoint_url(self):
        return self.endpoint_url

    @property
    def emulator(self):
        """The control API (`reset`, `fail_next`, `hold`, `complete`, `history`, ...), as the plugin's fixture has
        it."""
        if self._emulator is None:
            raise EmulatorError(0, "the container is not started")
        return self._emulator

    def client(self, account=None, region="us-east-1", retries=1, **config):
        """A boto3 SageMaker client on the container (see `Emulator.client`)."""
        return self.emulator.client(account=account, region=region, retries=retries, **config)

    def __getattr__(self, name):
        # The control API's calls on the container itself: container.reset(), container.fail_next(...).
        if name.startswith("_") or name not in _CONTROL_CALLS:
            raise AttributeError(name)
        return getattr(self.emulator, name)


_CONTROL_CALLS = {
    "health", "reset", "state", "load_state", "delays", "hold", "release", "complete", "advance_clock", "add_fault",
    "fail_next", "fail_transition", "slow_down", "faults", "clear_faults", "history", "requests",
}
