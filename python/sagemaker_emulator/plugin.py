"""The pytest plugin: `sagemaker_emulator` (one per session), `emulator` (the same, reset before each test) and
`sagemaker_client` (a boto3 client on it)."""
import os

import pytest

from . import Emulator


def pytest_addoption(parser):
    group = parser.getgroup("sagemaker-emulator")
    group.addoption("--sagemaker-emulator-binary", default=None,
                    help="the sagemaker-emulator executable (default: $SAGEMAKER_EMULATOR_BINARY, the bundled one, "
                         "or sagemaker-emulator on PATH)")
    group.addoption("--sagemaker-emulator-arg", action="append", default=[],
                    help="an option for `sagemaker-emulator serve` (repeatable), such as --status-profile=realistic")


@pytest.fixture(scope="session")
def sagemaker_emulator(request):
    """The session's emulator: the one at $SAGEMAKER_ENDPOINT_URL, a container of $SAGEMAKER_EMULATOR_IMAGE (the
    Testcontainers module), or a process started for the session."""
    url = os.environ.get("SAGEMAKER_ENDPOINT_URL")
    if url:
        yield Emulator(url)
        return
    image = os.environ.get("SAGEMAKER_EMULATOR_IMAGE")
    if image:
        from .testcontainers import SageMakerEmulatorContainer
        container = SageMakerEmulatorContainer(image)
        for argument in request.config.getoption("--sagemaker-emulator-arg"):
            name, _, value = argument.lstrip("-").partition("=")
            container.with_option(name, value if value else True)
        container.start()
        try:
            yield container.emulator
        finally:
            container.stop()
        return
    emulator = Emulator.start(binary=request.config.getoption("--sagemaker-emulator-binary"),
                              args=request.config.getoption("--sagemaker-emulator-arg"))
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def emulator(sagemaker_emulator):
    """The session's emulator, reset (every resource, fault, hold and delay) before the test."""
    sagemaker_emulator.reset()
    return sagemaker_emulator


@pytest.fixture
def sagemaker_client(emulator):
    """A boto3 SageMaker client on the reset emulator (account 123456789012, us-east-1, one attempt per call)."""
    return emulator.client(account="123456789012")
