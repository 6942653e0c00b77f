"""sagemaker-core (the SageMaker Python SDK's resource classes) against the real binary, from its own virtual
environment (scripts/install-test-deps makes it: sagemaker-core pins its own boto3). Missing, it fails the test."""
import json
import os
import subprocess
from pathlib import Path

from conftest import random_account

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(os.environ.get("SAGEMAKER_CORE_VENV", ROOT / ".venvs" / "sagemaker-core")) / "bin" / "python"
WORKFLOW = ROOT / "conformance" / "clients" / "sagemaker-core" / "workflow.py"


def test_sagemaker_core_resource_lifecycles(emulator, slow_transitions):
    assert PYTHON.exists(), f"{PYTHON} is missing: run scripts/install-test-deps"
    # The domain stays Pending, then Updating, until the workflow completes the transitions itself: the statuses it
    # reads right after create() and update() do not depend on the machine's speed.
    slow_transitions(domainCreate=3600, domainUpdate=3600)
    account = random_account()
    env = dict(os.environ, AWS_ENDPOINT_URL_SAGEMAKER=emulator.url, AWS_ACCESS_KEY_ID=account,
               AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1", COLUMNS="80")
    done = subprocess.run([str(PYTHON), str(WORKFLOW), account], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1].split("╯")[-1])
    assert seen == {
        "domain created": "Pending",
        "domain updated": "Updating",
        "domain role": f"arn:aws:iam::{account}:role/Studio-2",
        "profile role": f"arn:aws:iam::{account}:role/Studio-alice",
        "space display name": "Alice's space",
        # App.create reads the app back naming no owner (docs/behaviour.md): it still finds its own app.
        "app owner": "alice",
        "space app owner": "alice-space",
        "space app instance type": "ml.t3.medium",
        "apps": [["JupyterLab", "InService"], ["JupyterServer", "InService"]],
        "domains left": [],
        "lifecycle config type": "JupyterLab",
        "lifecycle configs left": [],
        "image config kernels": ["python3"],
        "image configs left": [],
        "image display name": "Core image",
        "image version by alias": 1,
        "images left": [],
        "missing domain": "ResourceNotFound",
    }
