"""Prometheus /metrics and the structured log (--log-format json), against the real binary."""
import json
import os
import re
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import STORE, create_domain


def scrape(emulator):
    with urllib.request.urlopen(emulator.url + "/metrics") as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_metrics_count_requests_resources_and_commits(make_emulator):
    emulator = make_emulator()
    client = emulator.client()
    domain_id = create_domain(client)["DomainId"]
    with pytest.raises(ClientError):
        client.describe_domain(DomainId="d-missing")
    emulator.raw("SageMaker.Made\"Up", "{}")
    samples = scrape(emulator)
    assert samples['sagemaker_requests_total{operation="CreateDomain",status="200",error_code=""}'] == 1
    assert samples['sagemaker_requests_total{operation="DescribeDomain",status="400",error_code="ResourceNotFound"}'] == 1
    # A target the model does not name is counted as `unknown`, never as a label of the client's making.
    assert samples['sagemaker_requests_total{operation="unknown",status="400",error_code="UnknownOperationException"}'] == 1
    assert samples['sagemaker_request_duration_seconds_count{operation="CreateDomain"}'] == 1
    assert samples['sagemaker_request_duration_seconds_bucket{operation="CreateDomain",le="+Inf"}'] == 1
    assert samples['sagemaker_resources{kind="domain",status="InService"}'] == 1
    # Creation and the transition to InService were commits.
    assert samples["sagemaker_store_commit_duration_seconds_count"] >= 2
    assert samples["sagemaker_store_commit_writes_sum"] >= 2

    client.delete_domain(DomainId=domain_id)
    for _ in range(100):
        samples = scrape(emulator)
        if samples.get('sagemaker_resources{kind="domain",status="InService"}') == 0 and not any(
                key.startswith('sagemaker_resources{kind="domain",status="Deleting"}') and value for key, value in
                samples.items()):
            break
    assert samples['sagemaker_resources{kind="domain",status="InService"}'] == 0


def test_json_log_lines_are_json_whatever_the_request_sends(make_emulator):
    emulator = make_emulator("--log-level", "info", "--log-format", "json")
    client = emulator.client(account="111122223333")
    client.list_domains()
    hostile = 'SageMaker.List"Domains\n{"level":"forged"}'
    emulator.raw(hostile.replace("\n", "\\n"), "{}")
    emulator.stop()
    lines = emulator.log().splitlines()
    records = [json.loads(line) for line in lines]
    requests = [record for record in records if record["message"] == "request"]
    listed = [record for record in requests if record["operation"] == "SageMaker.ListDomains"]
    assert len(listed) == 1
    (line,) = listed
    assert line["level"] == "info" and line["account"] == "111122223333" and line["region"] == "us-east-1"
    assert line["status"] == "200" and float(line["duration_ms"]) > 0 and line["hb.request.id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", line["time"])
    assert any(record["operation"].startswith('SageMaker.List"Domains') for record in requests)
    assert not any(record.get("level") == "forged" for record in records)
    started = [record for record in records if record["message"] == "sagemaker-emulator listening"]
    assert started and started[0]["store"].startswith("sqlite:" if STORE == "sqlite" else "postgres://")


def event_loop_threads(emulator):
    names = []
    for task in os.listdir(f"/proc/{emulator.process.pid}/task"):
        with open(f"/proc/{emulator.process.pid}/task/{task}/comm") as comm:
            names.append(comm.read().strip())
    return sum(1 for name in names if name.startswith("NIO-ELT-"))


@pytest.mark.parametrize("asked", [None, "3"])
def test_event_loops_are_the_threads_the_option_asks_for_and_the_start_up_line_names(make_emulator, asked):
    emulator = make_emulator("--log-level", "info", "--log-format", "json",
                             *(["--event-loops", asked] if asked else []))
    emulator.client().list_domains()
    threads = event_loop_threads(emulator)
    emulator.stop()
    records = [json.loads(line) for line in emulator.log().splitlines()]
    (started,) = [record for record in records if record["message"] == "sagemaker-emulator listening"]
    assert threads == int(started["event_loops"])
    if asked:
        assert threads == int(asked)
    elif cpu_quota_is_unset():
        # Half the cores this process may run on, at least one (NIO counts a cgroup's CPU quota instead when set).
        assert threads == max(1, len(os.sched_getaffinity(0)) // 2)


def cpu_quota_is_unset():
    try:
        with open("/sys/fs/cgroup/cpu.max") as limit:
            return limit.read().startswith("max")
    except OSError:
        return True


@pytest.mark.parametrize("value", ["0", "257", "two"])
def test_an_event_loop_count_out_of_range_is_refused(make_emulator, value):
    with pytest.raises(RuntimeError) as caught:
        make_emulator("--event-loops", value)
    assert f"--event-loops {value} is not a valid value" in str(caught.value)


def test_an_unknown_log_format_is_refused(make_emulator):
    with pytest.raises(RuntimeError) as caught:
        make_emulator("--log-format", "xml")
    assert "--log-format must be text or json" in str(caught.value)
