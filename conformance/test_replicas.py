"""Three `serve` processes on one PostgreSQL database behave as one emulator (docs/scaling.md): boto3 against each
replica in turn, and kill -9 of one of them under load. Needs the server `scripts/postgres start` makes
(SAGEMAKER_EMULATOR_TEST_DATABASE_URL); `scripts/test` starts one."""
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import POSTGRES_SERVER, ROLE, ROOT, create_domain, postgres_database, wait_for
from test_campaigns import ACCOUNT as CAMPAIGN_ACCOUNT
from test_campaigns import check_acknowledged_writes, leaf_members, lookup, nested
from test_campaigns import worker as campaign_worker

ACCOUNT = "333344445555"


@pytest.fixture
def replicas(make_emulator):
    """Three replicas on one new database, with the same options (extra ones through `replicas.start(...)`)."""
    assert POSTGRES_SERVER, "needs a PostgreSQL server: run scripts/test, or eval \"$(scripts/postgres start)\""

    def start(*args, count=3):
        url = postgres_database(f"replicas-{uuid.uuid4()}")
        return [make_emulator("--database-url", url, *args) for _ in range(count)]

    return start


def clients(servers):
    return [server.client(account=ACCOUNT) for server in servers]


def test_64_concurrent_updates_spread_over_three_replicas_lose_none(replicas):
    servers = replicas("--domain-update-delay", "0")
    domain = create_domain(clients(servers)[0])["DomainId"]
    members = leaf_members()
    calls = [members[index % len(members)] for index in range(64)]
    expected = {tuple(path): value for path, value in calls}
    barrier = threading.Barrier(len(calls))
    errors = []

    def call(index, path, value):
        own = servers[index % len(servers)].client(account=ACCOUNT)
        barrier.wait()
        try:
            own.update_domain(DomainId=domain, **nested(path, value))
        except Exception as error:  # noqa: BLE001
            errors.append((path, error))

    threads = [threading.Thread(target=call, args=(index, *c)) for index, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(path, str(error)) for path, error in errors] == []
    for client in clients(servers):
        described = client.describe_domain(DomainId=domain)
        assert [path for path, value in expected.items() if lookup(described, path) != value] == []


def test_a_write_acknowledged_by_one_replica_is_read_by_the_next_request_to_another(replicas):
    servers = replicas("--domain-update-delay", "0", "--user-profile-delay", "0")
    sms = clients(servers)
    domain = create_domain(sms[0])["DomainId"]
    for step in range(30):
        writer, reader = sms[step % 3], sms[(step + 1) % 3]
        role = f"arn:aws:iam::111111111111:role/Step{step}"
        writer.update_domain(DomainId=domain, DefaultUserSettings={"ExecutionRole": role})
        assert reader.describe_domain(DomainId=domain)["DefaultUserSettings"]["ExecutionRole"] == role
        name = f"user-{step}"
        writer.create_user_profile(DomainId=domain, UserProfileName=name)
        assert reader.describe_user_profile(DomainId=domain, UserProfileName=name)["UserProfileName"] == name
        writer.add_tags(ResourceArn=sms[0].describe_domain(DomainId=domain)["DomainArn"],
                        Tags=[{"Key": "step", "Value": str(step)}])
        arn = reader.describe_domain(DomainId=domain)["DomainArn"]
        assert {"Key": "step", "Value": str(step)} in reader.list_tags(ResourceArn=arn)["Tags"]


def test_no_profile_slips_into_a_domain_being_deleted_on_another_replica(replicas):
    servers = replicas("--domain-create-delay", "0", "--domain-delete-delay", "0.5")
    sms = clients(servers)
    outcomes = set()
    for round_ in range(12):
        domain = create_domain(sms[0])["DomainId"]
        wait_for(lambda: sms[1].describe_domain(DomainId=domain)["Status"], "InService")
        barrier = threading.Barrier(2)
        result = {}

        def delete():
            barrier.wait()
            try:
                sms[0].delete_domain(DomainId=domain)
                result["delete"] = "ok"
            except ClientError as error:
                result["delete"] = error.response["Error"]["Code"]

        def create():
            barrier.wait()
            try:
                sms[1 + round_ % 2].create_user_profile(DomainId=domain, UserProfileName="alice")
                result["create"] = "ok"
            except ClientError as error:
                result["create"] = error.response["Error"]["Code"]

        threads = [threading.Thread(target=delete), threading.Thread(target=create)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # One of the two wins; the loser is refused as AWS refuses it, never both through.
        assert (result["delete"], result["create"]) in {
            ("ok", "ResourceNotFound"), ("ok", "ResourceInUse"), ("ok", "ValidationException"),
            ("ResourceInUse", "ok"),
        }, result
        outcomes.add((result["delete"], result["create"]))
        if result["delete"] == "ok":
            status = sms[2].describe_domain(DomainId=domain)["Status"]
            assert status == "Deleting"
            assert sms[2].list_user_profiles(DomainIdEquals=domain)["UserProfiles"] == []
    assert outcomes, "no round ran"


def test_quotas_and_names_hold_across_replicas(replicas):
    servers = replicas("--max-domains", "5", "--domain-create-delay", "0")
    sms = clients(servers)
    barrier = threading.Barrier(12)
    results = []

    def create(index):
        barrier.wait()
        try:
            sms[index % 3].create_domain(DomainName=f"quota-{index}", AuthMode="IAM",
                                         DefaultUserSettings={"ExecutionRole": ROLE}, SubnetIds=["subnet-1"],
                                         VpcId="vpc-1")
            results.append("ok")
        except ClientError as error:
            results.append(error.response["Error"]["Code"])

    threads = [threading.Thread(target=create, args=(index,)) for index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ResourceLimitExceeded"] * 7 + ["ok"] * 5
    assert len(sms[2].list_domains()["Domains"]) == 5

    domain = sms[0].list_domains()["Domains"][0]["DomainId"]
    barrier = threading.Barrier(9)
    claims = []

    def claim(index):
        barrier.wait()
        try:
            sms[index % 3].create_user_profile(DomainId=domain, UserProfileName="Alice")
            claims.append("ok")
        except ClientError as error:
            claims.append(error.response["Error"]["Code"])

    threads = [threading.Thread(target=claim, args=(index,)) for index in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claims) == ["ResourceInUse"] * 8 + ["ok"]


def test_a_next_token_minted_by_one_replica_works_on_another(replicas):
    servers = replicas("--domain-create-delay", "0")
    sms = clients(servers)
    created = {create_domain(sms[index % 3], name=f"page-{index}")["DomainId"] for index in range(7)}
    seen, token, pages = [], None, 0
    while True:
        arguments = {"MaxResults": 2, **({"NextToken": token} if token else {})}
        page = sms[pages % 3].list_domains(**arguments)
        seen += [domain["DomainId"] for domain in page["Domains"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 4
    assert sorted(seen) == sorted(created)


def test_transitions_complete_when_the_replica_that_scheduled_them_is_killed(replicas):
    servers = replicas("--domain-create-delay", "1.0", "--user-profile-delay", "1.0")
    sms = clients(servers)
    domain = create_domain(sms[0], wait=False)["DomainId"]
    servers[0].process.send_signal(signal.SIGKILL)
    servers[0].process.wait()
    assert sms[1].describe_domain(DomainId=domain)["Status"] == "Pending"
    assert wait_for(lambda: sms[2].describe_domain(DomainId=domain)["Status"], "InService", timeout=10) == "InService"
    described = sms[1].describe_domain(DomainId=domain)
    # Applied at its due time, once: the modification time is the creation time plus the delay.
    assert abs((described["LastModifiedTime"] - described["CreationTime"]).total_seconds() - 1.0) < 0.01


def test_kill_9_of_one_replica_under_load_loses_no_acknowledged_write(replicas):
    servers = replicas("--domain-create-delay", "0.2", "--user-profile-delay", "0.5", "--domain-update-delay", "0",
                       "--max-domains", "1000")
    stop = threading.Event()
    acknowledged, in_flight = [], {}
    # The kill campaign's workers (create a domain, then update it and add profiles), three on each replica.
    threads = [threading.Thread(target=campaign_worker, args=(servers[index % 3], stop, acknowledged, in_flight, index))
               for index in range(9)]
    for thread in threads:
        thread.start()
    time.sleep(random.uniform(1.5, 2.5))
    servers[0].process.send_signal(signal.SIGKILL)
    servers[0].process.wait()
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()
    snapshot = list(acknowledged)
    assert len(snapshot) > 9
    # Read on a survivor: what the killed replica acknowledged is there, and the transitions it scheduled complete.
    check_acknowledged_writes(servers[1].client(account=CAMPAIGN_ACCOUNT), snapshot, in_flight)


def test_connections_the_database_closes_are_replaced_without_a_failed_request(make_emulator):
    """A database restarted, or an administrator's pg_terminate_backend: every kept connection of the pool is closed
    by the server while idle. The requests after it are answered (the pool opens new connections), none fails."""
    url = postgres_database(f"closed-{uuid.uuid4()}")
    server = make_emulator("--database-url", url, "--domain-create-delay", "0", "--domain-update-delay", "0")
    sm = server.client(account=ACCOUNT)
    domain = create_domain(sm)["DomainId"]
    database = url.rsplit("/", 1)[1]
    for round_ in range(2):
        closed = subprocess.run(
            ["psql", POSTGRES_SERVER, "-tAc", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                              f"WHERE datname = '{database}'"],
            check=True, capture_output=True, text=True).stdout.strip()
        assert int(closed) >= 1
        time.sleep(0.2)
        for step in range(40):
            assert sm.describe_domain(DomainId=domain)["DomainId"] == domain
            role = f"arn:aws:iam::111111111111:role/Closed{round_}x{step}"
            sm.update_domain(DomainId=domain, DefaultUserSettings={"ExecutionRole": role})
            assert sm.describe_domain(DomainId=domain)["DefaultUserSettings"]["ExecutionRole"] == role
        assert len(sm.list_domains()["Domains"]) == 1


class SilentNetwork:
    """A TCP proxy to the test database that can stop carrying bytes without closing anything, as a network that drops
    packets silently: what is sent is swallowed, nothing comes back, no connection is reset or closed."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.dropping = threading.Event()
        self.links = []
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            link = {"dead": self.dropping.is_set()}
            self.links.append(link)
            upstream = None if link["dead"] else socket.create_connection(self.target)
            if upstream is not None:
                self.sockets.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream, link), daemon=True).start()
            if upstream is not None:
                threading.Thread(target=self._pump, args=(upstream, client, link), daemon=True).start()

    @staticmethod
    def _pump(source, sink, link):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:  # a real close (the emulator giving a connection up) is passed on
                if sink is not None:
                    sink.close()
                return
            if link["dead"] or sink is None:
                continue
            try:
                sink.sendall(data)
            except OSError:
                return

    def drop(self):
        """Every open connection goes silent for good, and every new one until `heal`."""
        self.dropping.set()
        for link in self.links:
            link["dead"] = True

    def heal(self):
        """New connections carry bytes again; those that went silent stay silent (their state was lost)."""
        self.dropping.clear()

    def close(self):
        self.listener.close()
        for each in self.sockets:
            each.close()


def test_a_connection_lost_silently_fails_its_request_in_time_and_is_replaced(make_emulator):
    """A network that drops packets silently (no reset, no close): the request whose connection gets no answer fails
    after --database-timeout (a 503 ServiceUnavailable, which SDKs retry), not when the kernel gives up on the socket minutes later; the connection is
    closed, the pool opens another once the network carries bytes again, and requests are answered again."""
    database = urllib.parse.urlsplit(postgres_database(f"silent-{uuid.uuid4()}"))
    network = SilentNetwork(database.hostname, database.port)
    try:
        credentials = database.netloc.rsplit("@", 1)[0] + "@" if "@" in database.netloc else ""
        url = database._replace(netloc=f"{credentials}127.0.0.1:{network.port}").geturl()
        server = make_emulator("--database-url", url, "--database-connections", "4", "--database-timeout", "2",
                               "--domain-create-delay", "0", "--domain-update-delay", "0")
        sm = server.client(account=ACCOUNT)
        domain = create_domain(sm)["DomainId"]
        assert sm.describe_domain(DomainId=domain)["DomainId"] == domain
        network.drop()
        started = time.monotonic()
        with pytest.raises(ClientError) as failure:
            sm.describe_domain(DomainId=domain)
        elapsed = time.monotonic() - started
        assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert failure.value.response["Error"]["Code"] == "ServiceUnavailable"
        assert 1.9 <= elapsed < 10, elapsed
        network.heal()
        # Until a new connection is open (a connection attempt made while the network was silent gives up after
        # --database-timeout, the next one 0.25 s later succeeds), requests fail at once with ServiceUnavailable;
        # then they are answered again.
        healed = time.monotonic()
        answered, refusals, deadline = 0, set(), healed + 60
        while answered < 20 and time.monotonic() < deadline:
            try:
                assert sm.describe_domain(DomainId=domain)["DomainId"] == domain
                answered += 1
            except ClientError as error:
                assert answered == 0, "a request failed after the connections were replaced"
                refusals.add((error.response["ResponseMetadata"]["HTTPStatusCode"], error.response["Error"]["Code"]))
                time.sleep(0.05)
        assert answered == 20 and refusals <= {(503, "ServiceUnavailable")}, (answered, refusals)
        assert time.monotonic() - healed < 2 + 5
        role = "arn:aws:iam::111111111111:role/AfterTheSilence"
        sm.update_domain(DomainId=domain, DefaultUserSettings={"ExecutionRole": role})
        assert sm.describe_domain(DomainId=domain)["DefaultUserSettings"]["ExecutionRole"] == role
    finally:
        network.close()


@pytest.fixture
def private_postgres():
    """A PostgreSQL server of this test's own (scripts/postgres), so that stopping it touches no other test."""
    started = subprocess.run([str(ROOT / "scripts" / "postgres"), "start"], check=True, capture_output=True,
                             text=True).stdout
    exported = dict(line.split(" ", 1)[1].split("=", 1) for line in started.splitlines())
    directory = exported["SAGEMAKER_EMULATOR_TEST_POSTGRES_DIR"]

    def control(verb, *args):
        subprocess.run([str(ROOT / "scripts" / "postgres"), verb, directory, *args], check=True, timeout=120)

    yield exported["SAGEMAKER_EMULATOR_TEST_DATABASE_URL"], control
    subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", directory], timeout=120)


def outage_worker(server, stop, record, index):
    """Creates a domain, then updates it again and again, through a database that comes and goes: records every
    acknowledged update, every refusal (status, code) and the longest wait for an answer."""
    client = server.client(account=ACCOUNT)
    domain, value = None, 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            if domain is None:
                domain = client.create_domain(DomainName=f"outage-{index}-{random.randrange(10**9)}", AuthMode="IAM",
                                              DefaultUserSettings={"ExecutionRole": ROLE}, SubnetIds=["subnet-1"],
                                              VpcId="vpc-1")["DomainId"]
                record["domains"].append(domain)
            else:
                value += 1
                record["in_flight"][domain] = value
                client.update_domain(DomainId=domain, DefaultUserSettings={
                    "ExecutionRole": f"arn:aws:iam::111111111111:role/Value{value}"})
                record["acknowledged"][domain] = value
            record["answered"].append(time.monotonic())
        except ClientError as error:
            response = error.response
            record["refused"].append((response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]))
        except Exception as error:  # noqa: BLE001 - a connection refused: the replica died, which must not happen
            record["broken"].append(repr(error))
            time.sleep(0.2)
        record["longest"] = max(record["longest"], time.monotonic() - started)


def test_replicas_outlive_a_database_restart_and_a_stop(make_emulator, private_postgres):
    """Three replicas under load while their database is restarted (pg_ctl restart -m immediate) and then stopped and
    started again (stop -m immediate, 4 s away): no replica dies; while the database is away each request is answered
    within --database-timeout with ServiceUnavailable (503, which SDKs retry); each outage and its end are logged once
    per replica; requests are answered again within seconds of its return; no acknowledged write is lost."""
    url, postgres = private_postgres
    timeout = 3
    servers = [make_emulator("--database-url", url, "--database-timeout", str(timeout), "--database-connections", "4",
                             "--domain-create-delay", "0", "--domain-update-delay", "0", "--log-level", "notice")
               for _ in range(3)]
    stop = threading.Event()
    record = {"domains": [], "acknowledged": {}, "in_flight": {}, "answered": [], "refused": [], "broken": [],
              "longest": 0.0}
    threads = [threading.Thread(target=outage_worker, args=(servers[index % 3], stop, record, index))
               for index in range(9)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        postgres("restart", "immediate")
        time.sleep(2)
        postgres("halt", "immediate")
        time.sleep(4)
        postgres("resume")
        back = time.monotonic()
        deadline = back + 20
        while time.monotonic() < deadline and not any(answer > back + 0.5 for answer in record["answered"]):
            time.sleep(0.1)
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    alive = [server.process.poll() for server in servers]
    logs = [server.log() for server in servers]
    tails = "\n".join(log[-2000:] for log in logs)
    assert alive == [None, None, None], tails
    assert record["broken"] == [], tails
    assert record["longest"] < timeout + 2, (record["longest"], tails)
    assert set(record["refused"]) <= {(503, "ServiceUnavailable")}, set(record["refused"])
    assert record["refused"], "the database's outage refused nothing"
    first_after = min((answer for answer in record["answered"] if answer > back), default=None)
    assert first_after is not None and first_after - back < 10, "no answer within 10 s of the database's return"
    # Nothing acknowledged was lost: every domain holds its last acknowledged update, or the one in flight.
    sm = servers[0].client(account=ACCOUNT)
    for domain, value in record["acknowledged"].items():
        role = sm.describe_domain(DomainId=domain)["DefaultUserSettings"]["ExecutionRole"]
        assert int(role.rsplit("Value", 1)[1]) in (value, record["in_flight"][domain]), domain
    for server in servers:
        server.stop()
        log = server.log()
        # Two outages (the restart may be too quick for a replica to notice it), each logged once, and their ends.
        assert 1 <= log.count("database unreachable") <= 2, log[-3000:]
        assert log.count("database reachable again") == log.count("database unreachable"), log[-3000:]
        assert "status transition failed" not in log
