"""A state file cannot break the server, and the control API refuses what it does not know (issue 27): values the API
could never produce are refused on import and change nothing; stored numbers stop at their bound instead of
overflowing; the clock stays finite; a stored document that cannot be read is a 500 naming the resource; misspelled
members are refused; a body over the limit is refused from its Content-Length; refusals are JSON."""
import copy
import http.client
import json
import sqlite3
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, STORE, create_domain, create_profile, wait_for


def populated(emulator):
    """An account with a domain, a profile, an image with a version (aliased) and its state."""
    client = emulator.client(account="123456789012")
    domain = create_domain(client)["DomainId"]
    create_profile(client, domain, "alice")
    client.create_image(ImageName="img", RoleArn=ROLE)
    emulator.control("POST", "transitions/complete")
    wait_for(lambda: client.describe_image(ImageName="img")["ImageStatus"], "CREATED")
    client.create_image_version(ImageName="img", BaseImage="123456789012.dkr.ecr.us-east-1.amazonaws.com/i:1",
                                Aliases=["stable"])
    wait_for(lambda: client.describe_image_version(ImageName="img")["ImageVersionStatus"], "CREATED")
    status, state = emulator.control("GET", "state")
    assert status == 200
    return client, domain, state


def entry(state, kind):
    return next(resource for resource in state["resources"] if resource["kind"] == kind)


def test_an_import_holds_only_what_the_api_could_produce(make_emulator):
    emulator = make_emulator()
    client, domain, state = populated(emulator)
    profile = entry(state, "user-profile")

    def changed(change):
        broken = copy.deepcopy(state)
        change(broken)
        return broken

    def with_resource(kind, **members):
        def change(broken):
            target = entry(broken, kind)
            for key, value in members.items():
                if value is None:
                    target.pop(key, None)
                else:
                    target[key] = value
        return change

    cases = [
        (with_resource("domain", document=profile["document"]), "names"),            # a profile's document as a domain
        (with_resource("domain", status="Paused"), "status must be"),                # a made-up status
        (with_resource("domain", transition={"dueAt": 1e308, "status": "InService"}), "dueAt"),
        (with_resource("domain", transition={"dueAt": 1.0, "status": "Sleeping"}), "transition.status"),
        (with_resource("domain", transition={"dueAt": 1.0, "removal": True}), "children"),
        (with_resource("domain", tags='[{"Key": ""}]'), "tags"),                     # tags that are not tags
        (with_resource("domain", tags='["a", "b"]'), "tags"),
        (with_resource("domain", tags=json.dumps([{"Key": f"k{i}", "Value": "v"} for i in range(51)])), "tags"),
        (with_resource("image-version", tags='{"Aliases": [""]}'), "aliases"),
        (with_resource("user-profile", parent="d-000000000000"), "not in the state"),  # an orphan
        (with_resource("domain", parent="d-000000000000"), "no parent"),
        (with_resource("domain", surprise=1), "unknown member"),
        (lambda broken: broken["resources"].append(dict(
            entry(broken, "domain"), id="d-aaaaaaaaaaaa",
            document=entry(broken, "domain")["document"].replace(domain, "d-aaaaaaaaaaaa"))), "taken"),  # a name twice
        (lambda broken: broken["counters"].append(
            {"account": "123456789012", "region": "us-east-1", "name": "x", "value": 2**63 - 1}), "counters"),
        (lambda broken: broken.update(extra=1), "Unknown member"),
    ]
    for change, message in cases:
        status, answer = emulator.control("PUT", "state", changed(change))
        assert (status, message in answer.get("message", "")) == (400, True), (message, answer)
    # Nothing changed, and the state as exported is still accepted whole.
    assert client.describe_domain(DomainId=domain)["Status"] == "InService"
    assert emulator.control("PUT", "state", state)[0] == 200
    assert client.describe_user_profile(DomainId=domain, UserProfileName="alice")["Status"] == "InService"


def test_a_counter_at_its_bound_refuses_instead_of_overflowing(make_emulator):
    emulator = make_emulator()
    client, domain, state = populated(emulator)
    for counter in state["counters"]:
        counter["value"] = 2**31 - 1
    assert emulator.control("PUT", "state", state)[0] == 200
    with pytest.raises(ClientError) as refused:
        client.create_user_profile(DomainId=domain, UserProfileName="bob")
    assert refused.value.response["Error"]["Code"] == "ResourceLimitExceeded"
    # The server is whole: the state still exports, the domain still reads, after a restart too.
    assert emulator.control("GET", "state")[0] == 200
    emulator.restart()
    assert emulator.control("GET", "state")[0] == 200
    assert emulator.client(account="123456789012").describe_domain(DomainId=domain)["DomainId"] == domain


def test_the_clock_stays_finite(make_emulator):
    emulator = make_emulator()
    client = emulator.client()
    domain = create_domain(client)["DomainId"]
    for advance in (1e308, float("inf")):
        body = json.dumps({"advance": advance}).replace("Infinity", "1e999").encode()
        assert emulator.control("POST", "clock", body)[0] == 400
    assert emulator.control("POST", "clock", {"advance": 3600, "reset": True})[0] == 400
    assert emulator.control("POST", "clock", {"advance": 3600})[0] == 200
    client.update_domain(DomainId=domain, DefaultUserSettings={"ExecutionRole": ROLE + "2"})
    assert [d["DomainId"] for d in client.list_domains()["Domains"]] == [domain]


@pytest.mark.skipif(STORE != "sqlite", reason="writes into the SQLite file directly")
def test_a_stored_document_that_cannot_be_read_is_a_500_naming_the_resource(make_emulator):
    emulator = make_emulator()
    domain = create_domain(emulator.client(account="123456789012"))["DomainId"]
    emulator.stop()
    with sqlite3.connect(Path(emulator.data_dir) / "sagemaker.sqlite") as database:
        # A member of the wrong type, as a stored `inf` once was: the document no longer reads as its shape.
        database.execute("UPDATE resources SET document = CAST(replace(CAST(document AS TEXT), '\"DomainName\":', "
                         "'\"DomainName\":5,\"Was\":') AS BLOB) WHERE kind = 'domain'")
    emulator.start()
    client = emulator.client(account="123456789012")
    calls = (lambda: client.list_domains(),
             lambda: client.update_domain(DomainId=domain, DefaultUserSettings={"ExecutionRole": ROLE + "2"}))
    for call in calls:
        with pytest.raises(ClientError) as failed:
            call()
        assert (failed.value.response["ResponseMetadata"]["HTTPStatusCode"],
                failed.value.response["Error"]["Code"]) == (500, "InternalFailure")
    assert f"domain/{domain}" in emulator.log() and "stored document unreadable" in emulator.log()


def test_control_refusals_are_json_and_misspellings_are_refused(make_emulator):
    emulator = make_emulator()
    client = emulator.client(account="123456789012")
    domain = create_domain(client)["DomainId"]
    for misspelled in ({"Account": "123456789012"}, {"acount": "123456789012"}, {"account ": "123456789012"}):
        status, answer = emulator.control("POST", "reset", misspelled)
        assert status == 400 and "Unknown member" in answer["message"], answer
    assert client.describe_domain(DomainId=domain)["DomainId"] == domain
    assert emulator.control("POST", "holds", {"resource": domain, "extra": 1})[0] == 400
    assert emulator.control("POST", "faults", {"operation": "ListDomains", "latency": 1, "lateny": 2})[0] == 400
    assert emulator.control("GET", "nothing-here") == (404, {
        "error": "NotFound", "message": "There is no control API call GET /_emulator/nothing-here (docs/control-api.md)."})
    # A body over the limit is refused from its Content-Length, before it is sent.
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    connection.putrequest("PUT", "/_emulator/state")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(2 * 1024**3))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"] == "ContentTooLarge"
    connection.close()
