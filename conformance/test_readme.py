"""The README's examples work as written: its Terraform block applies, plans no change afterwards, and destroys."""
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_block(language):
    blocks = re.findall(rf"```{language}\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) == 1, f"README.md should have one {language} block"
    return blocks[0]


def test_the_readme_terraform_example_applies_with_no_drift(make_emulator, tmp_path):
    emulator = make_emulator()
    configuration = readme_block("hcl")
    assert '"http://127.0.0.1:9090"' in configuration
    work = tmp_path / "tf"
    work.mkdir()
    (work / "main.tf").write_text(configuration.replace('"http://127.0.0.1:9090"', f'"{emulator.url}"'))
    cli_config = tmp_path / "terraformrc"
    cli_config.write_text('provider_installation {\n  filesystem_mirror {\n    path = "/opt/tf-plugins"\n'
                          '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n')
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(cli_config), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")

    def terraform(*args):
        return subprocess.run(["terraform", *args, "-input=false", "-no-color"], cwd=work, env=env,
                              capture_output=True, text=True, timeout=900)

    assert (init := terraform("init")).returncode == 0, init.stderr
    assert (applied := terraform("apply", "-auto-approve")).returncode == 0, applied.stderr + applied.stdout
    client = emulator.client(account="111122223333")
    domains = client.list_domains()["Domains"]
    assert [(d["DomainName"], d["Status"]) for d in domains] == [("demo", "InService")]
    # Nothing to change: exit code 0 of -detailed-exitcode (2 would mean drift).
    plan = terraform("plan", "-detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert (destroyed := terraform("destroy", "-auto-approve")).returncode == 0, destroyed.stderr
    assert client.list_domains()["Domains"] == []
