"""The README's examples work as written: its shell example runs pasted in order (with the AWS CLI v1 and v2), and its
Terraform block applies, plans no change afterwards, and destroys."""
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import BINARY, Terraform

ROOT = Path(__file__).resolve().parents[1]


def readme_blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def readme_block(language, containing=None):
    """The README's one block of `language` (containing that text, when given)."""
    blocks = [block for block in readme_blocks(language) if containing is None or containing in block]
    assert len(blocks) == 1, f"README.md should have one {language} block" + (f" with {containing}" if containing else "")
    return blocks[0]


# The Terraform examples: SageMaker alone, and the whole stack on one endpoint (--upstream moto).
STUDIO_ONLY = '"aws_sagemaker_domain" "demo"'
WHOLE_STACK = '"aws_iam_role" "studio"'


def test_the_readme_terraform_example_applies_with_no_drift(make_emulator, tmp_path):
    emulator = make_emulator()
    configuration = readme_block("hcl", STUDIO_ONLY)
    assert '"http://127.0.0.1:9090"' in configuration
    terraform = Terraform(tmp_path / "tf")
    # The README's offline set-up, run as pasted in a home of its own; the test adds only the shared plugin cache.
    [offline] = [block for block in readme_blocks("sh") if ".terraformrc" in block]
    home = tmp_path / "home"
    home.mkdir()
    subprocess.run(["sh", "-c", offline], env=dict(os.environ, HOME=str(home)), check=True)
    cli_config = home / ".terraformrc"
    cli_config.write_text(cli_config.read_text() + f'plugin_cache_dir = "{terraform.plugin_cache}"\n')
    terraform.env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    (terraform.work / "main.tf").write_text(configuration.replace('"http://127.0.0.1:9090"', f'"{emulator.url}"'))
    terraform.check("init")
    terraform.check("apply", "-auto-approve")
    client = emulator.client(account="111122223333")
    domains = client.list_domains()["Domains"]
    assert [(d["DomainName"], d["Status"]) for d in domains] == [("demo", "InService")]
    # Nothing to change: exit code 0 of -detailed-exitcode (2 would mean drift).
    terraform.plans_no_change()
    terraform.check("destroy", "-auto-approve")
    assert client.list_domains()["Domains"] == []


@pytest.mark.parametrize("cli", ["v1", "v2"])
def test_the_readme_shell_example_runs_as_pasted(make_emulator, tmp_path, cli):
    emulator = make_emulator()
    # The blocks follow on from each other: the control API's uses the domain the first one created.
    script = "\n".join(readme_blocks("bash"))
    assert "http://127.0.0.1:9090" in script
    script = script.replace(".build/debug/sagemaker-emulator", BINARY)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # `aws` is the CLI the case names: v1 from pip (python -m awscli), v2 from Debian (/usr/bin/aws).
    (bin_dir / "aws").write_text("#!/bin/sh\nexec /usr/bin/aws \"$@\"\n" if cli == "v2"
                                 else "#!/bin/sh\nexec python3 -m awscli \"$@\"\n")
    (bin_dir / "aws").chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", AWS_CONFIG_FILE="/dev/null",
               SAGEMAKER_EMULATOR_ENDPOINT=emulator.url,
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script.replace("http://127.0.0.1:9090", emulator.url)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert '"ml.t3.medium"' in done.stdout and "JupyterServer" in done.stdout, done.stdout
    assert re.search(r"JupyterServer\s+InService", done.stdout), done.stdout
    assert '"Update_Failed"' in done.stdout and "Failed on purpose" in done.stdout, done.stdout
    assert '"event" : "UpdateDomain"' in done.stdout and "role/New" in done.stdout, done.stdout
    assert re.search(r'"removedResources" : 3\s*}\s*$', done.stdout), done.stdout
    assert emulator.client(account="111122223333").list_domains()["Domains"] == []
