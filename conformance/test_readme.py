"""The README's examples work as written: its Terraform block applies, plans no change afterwards, and destroys."""
import re
from pathlib import Path

from conftest import Terraform

ROOT = Path(__file__).resolve().parents[1]


def readme_block(language):
    blocks = re.findall(rf"```{language}\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) == 1, f"README.md should have one {language} block"
    return blocks[0]


def test_the_readme_terraform_example_applies_with_no_drift(make_emulator, tmp_path):
    emulator = make_emulator()
    configuration = readme_block("hcl")
    assert '"http://127.0.0.1:9090"' in configuration
    terraform = Terraform(tmp_path / "tf")
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
