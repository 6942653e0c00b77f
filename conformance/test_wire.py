"""The AWS JSON 1.1 wire: errors, routing and limits, through raw HTTP and boto3."""
import os
import subprocess

import pytest
from botocore.exceptions import ClientError

from conftest import BINARY


def test_unknown_target_is_unknown_operation(emulator):
    for target in ("SageMaker.BrewCoffee", "AmazonSSM.ListDocuments", None):
        status, headers, body = emulator.raw(target, "{}")
        assert status == 400
        assert body["__type"] == "UnknownOperationException"
        assert "x-amzn-RequestId" in headers


def test_operations_we_do_not_serve_are_501_not_implemented(emulator, sm):
    status, _, body = emulator.raw("SageMaker.CreateTrainingJob", "{}")
    assert status == 501
    assert body["__type"] == "NotImplemented"
    assert "CreateTrainingJob" in body["message"]
    with pytest.raises(ClientError) as excinfo:
        sm.list_training_jobs()
    assert excinfo.value.response["Error"]["Code"] == "NotImplemented"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_every_operation_of_the_model_is_served_or_501(emulator):
    """Every SageMaker operation of the committed model (botocore 1.44.18: leaderboards, candidates, model monitor
    configs and capacity reservations among the newest) is known: 501 NotImplemented, never UnknownOperationException."""
    import json
    from pathlib import Path
    model = json.loads((Path(__file__).resolve().parents[1] / "model" / "sagemaker-2017-07-24.json").read_text())
    others = model["x-emulator"]["otherOperations"]
    for newest in ("CreateLeaderboard", "AddCandidate", "CreateModelMonitorConfig", "DescribeCapacityReservation"):
        assert newest in others
    for operation in others:
        status, _, body = emulator.raw("SageMaker." + operation, "{}")
        assert (status, body["__type"]) == (501, "NotImplemented"), operation


def test_the_newest_enum_values_are_accepted(raw_sm):
    """`Optimizer` joined MlTools in botocore 1.44.18 (StudioWebPortalSettings.HiddenMlTools)."""
    from conftest import create_domain
    domain_id = create_domain(raw_sm)["DomainId"]
    raw_sm.update_domain(DomainId=domain_id, DefaultUserSettings={
        "StudioWebPortalSettings": {"HiddenMlTools": ["Optimizer", "Training"]}})
    settings = raw_sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"]["StudioWebPortalSettings"]
    assert settings["HiddenMlTools"] == ["Optimizer", "Training"]


@pytest.mark.parametrize("body", ["{oops", "[]", '"text"', "17", '{"DomainId": 17}', '{"DomainId": ["d-1"]}',
                                  '{"DomainId": {"a": 1}}', '{"DomainId": true}'])
def test_malformed_or_wrongly_typed_bodies_are_serialization_exceptions(emulator, body):
    status, headers, parsed = emulator.raw("SageMaker.DescribeDomain", body)
    assert status == 400
    assert parsed["__type"] == "SerializationException"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"


def test_wrong_type_through_boto3(raw_sm):
    with pytest.raises(ClientError) as excinfo:
        raw_sm.list_domains(MaxResults="ten")
    assert excinfo.value.response["Error"]["Code"] == "SerializationException"


def test_oversized_body_is_refused(make_emulator):
    emulator = make_emulator("--max-body-bytes", "2048")
    status, _, body = emulator.raw("SageMaker.CreateDomain", '{"DomainName":"' + "x" * 10000 + '"}')
    assert status == 413
    assert body["__type"] == "RequestEntityTooLargeException"
    status, _, body = emulator.raw("SageMaker.ListDomains", "{}")
    assert status == 200  # the server is still fine


def test_get_and_other_paths_answer_json(emulator):
    import json
    import urllib.request
    for path in ("/", "/anything"):
        try:
            urllib.request.urlopen(emulator.url + path)
            raise AssertionError("expected an error status")
        except urllib.error.HTTPError as error:
            assert error.code == 400
            assert json.loads(error.read())["__type"] == "UnknownOperationException"


def test_malformed_authorization_is_incomplete_signature(emulator):
    status, _, body = emulator.raw("SageMaker.ListDomains", "{}", {"Authorization": "AWS4-HMAC-SHA256 Signature=abc"})
    assert status == 400
    assert body["__type"] == "IncompleteSignatureException"
    assert "Credential" in body["message"]


def test_help_documents_every_option_and_its_environment_variable():
    text = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True, check=True).stdout
    for option, variable in (("--port", "SAGEMAKER_EMULATOR_PORT"), ("--data-dir", "SAGEMAKER_EMULATOR_DATA_DIR"),
                             ("--status-profile", "SAGEMAKER_EMULATOR_STATUS_PROFILE"),
                             ("--max-domains", "SAGEMAKER_EMULATOR_MAX_DOMAINS"),
                             ("--in-memory", "SAGEMAKER_EMULATOR_IN_MEMORY")):
        assert option in text and variable in text
    top = subprocess.run([BINARY, "--help"], capture_output=True, text=True, check=True).stdout
    assert "serve" in top


def test_the_command_line_wins_over_the_environment_and_bad_values_are_refused(make_emulator):
    # --port (set by the fixture) wins over a variable naming another port; the variable's default region applies.
    emulator = make_emulator(env={"SAGEMAKER_EMULATOR_PORT": "1", "SAGEMAKER_EMULATOR_DEFAULT_REGION": "eu-west-3"})
    assert emulator.client().list_domains()["Domains"] == []
    status, _, body = emulator.raw("SageMaker.CreateDomain", '{"DomainName":"d","AuthMode":"IAM","DefaultUserSettings":'
                                   '{"ExecutionRole":"arn:aws:iam::123456789012:role/R"},"SubnetIds":["subnet-1"],'
                                   '"VpcId":"vpc-1"}')
    assert status == 200 and body["DomainArn"].startswith("arn:aws:sagemaker:eu-west-3:"), body
    for env, args, message in (({"SAGEMAKER_EMULATOR_MAX_DOMAINS": "many"}, [],
                                "SAGEMAKER_EMULATOR_MAX_DOMAINS=many is not a valid value"),
                               ({}, ["--idle-timeout", "-5"], "--idle-timeout -5 is not a valid value"),
                               ({}, ["--bogus"], "unknown option '--bogus' for serve"),
                               ({}, ["--domains", "3"], "unknown option '--domains' for serve")):
        result = subprocess.run([BINARY, "serve", "--in-memory", *args], capture_output=True, text=True, timeout=30,
                                env=dict(os.environ, **env))
        assert result.returncode != 0
        assert message in result.stderr


def test_each_request_logs_one_line_under_its_request_id(make_emulator):
    server = make_emulator("--log-level", "info")
    status, headers, _ = server.raw("SageMaker.ListDomains", "{}")
    assert status == 200
    request_id = headers["x-amzn-RequestId"]
    server.stop()
    log = server.log()
    lines = [line for line in log.splitlines() if f"hb.request.id={request_id}" in line]
    assert len(lines) == 1, log
    # A plain value is written bare (values that are not plain are quoted: test_hardening.py).
    assert "operation=SageMaker.ListDomains " in lines[0] and "status=200" in lines[0]
    assert lines[0].endswith("[SageMakerServer] request")
