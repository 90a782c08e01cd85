"""Read replicas: anonymous reads from a replica, writers pinned to the primary, fallback.

The routing rules are checked in-process (any database); the whole set-up against a real
streaming replica and two app server processes (PostgreSQL only: a replica of SQLite does
not exist).
"""

import contextlib
import http.cookiejar
import json
import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import psycopg
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from rest_framework.authtoken.models import Token

from qwenkb import routers
from tests import factories
from tests.pgreplica import Replica
from tests.qwenkb.served import app_server, request_lines


def _request(method="get", user=None, **extra):
    request = getattr(RequestFactory(), method)("/api/claims/", **extra)
    request.user = user or AnonymousUser()
    return request


def test_only_anonymous_reads_of_clients_that_did_not_just_write_may_use_a_replica(editor):
    assert routers.may_read_replica(_request())
    assert routers.may_read_replica(_request("head"))
    assert not routers.may_read_replica(_request("post"))
    assert not routers.may_read_replica(_request(HTTP_AUTHORIZATION="Token abc"))
    assert not routers.may_read_replica(_request(user=editor))
    pinned = _request()
    pinned.COOKIES[routers.PIN_COOKIE] = "1"
    assert not routers.may_read_replica(pinned)


@override_settings(REPLICA_PIN_SECONDS=7)
def test_a_write_pins_its_client_to_the_primary_for_the_pin_window():
    middleware = routers.ReplicaPinMiddleware(lambda request: HttpResponse(status=201))
    written = middleware(_request("post"))
    cookie = written.cookies[routers.PIN_COOKIE]
    assert cookie["max-age"] == 7 and cookie["httponly"]
    assert routers.PIN_COOKIE not in middleware(_request()).cookies


def test_without_replicas_every_read_goes_to_the_primary(monkeypatch):
    seen = []
    middleware = routers.ReplicaPinMiddleware(
        lambda request: seen.append(routers.ReplicaRouter().db_for_read(None)) or HttpResponse()
    )
    middleware(_request())
    assert seen == ["default"]


@pytest.fixture
def two_replicas(monkeypatch):
    monkeypatch.setattr(routers, "replica_aliases", lambda: ["replica1", "replica2"])
    routers.forget_health()
    yield
    routers.forget_health()


@override_settings(REPLICA_MAX_LAG=2, REPLICA_CHECK_SECONDS=60)
def test_a_lagging_or_unreachable_replica_is_skipped_and_the_answer_is_cached(
    two_replicas, monkeypatch
):
    lags = {"replica1": 5.0, "replica2": 0.5}
    asked = []

    def lag(alias):
        asked.append(alias)
        if isinstance(lags[alias], Exception):
            raise lags[alias]
        return lags[alias]

    monkeypatch.setattr(routers, "replica_lag", lag)
    assert [routers.choose_replica(n) for n in range(4)] == ["replica2"] * 4
    assert sorted(asked) == ["replica1", "replica2"]  # once each, then from the cache
    routers.forget_health()
    lags["replica2"] = DatabaseError("connection refused")
    assert routers.choose_replica(0) == "default"
    routers.forget_health()
    lags.update(replica1=0.0, replica2=2.0)
    assert {routers.choose_replica(n) for n in range(4)} == {"replica1", "replica2"}


# --- A real replica and two app servers (PostgreSQL) ---------------------------------------

# A streaming replica needs PostgreSQL.
postgres_only = pytest.mark.needs("postgresql")


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        params = connection.get_connection_params()
    primary = f"postgresql://{params.get('user', 'postgres')}@{params['host']}:{params['port']}"
    made = Replica(primary + "/postgres").create()
    yield made
    made.destroy()


class AppServer(NamedTuple):
    """One `make serve` server of the app (``served.app_server``) and the file of its log."""

    url: str
    log: Path

    def served_by(self, request_id: str) -> dict:
        """The database queries the request with this id ran, by alias (from its log line)."""
        for entry in request_lines(self.log):
            if entry["request_id"] == request_id:
                return entry["queries"]
        raise AssertionError(f"no log line for request {request_id}")


@pytest.fixture
def servers(replica, transactional_db, tmp_path):
    name = connection.settings_dict["NAME"]
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": "replica-test-only-" + "k" * 50,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{connection.settings_dict['PORT']}/{name}",
        "DATABASE_REPLICA_URLS": replica.url(name),
        "REPLICA_PIN_SECONDS": "2",
        "REPLICA_CHECK_SECONDS": "0.2",
        "API_CACHE_DIR": str(tmp_path / "api-cache"),
        "LOG_LEVEL": "INFO",
    }
    with contextlib.ExitStack() as running:
        started = []
        for name_ in ("a", "b"):
            log = tmp_path / f"{name_}.log"
            url = running.enter_context(app_server(env, workers=1, threads=2, log=log))
            started.append(AppServer(url, log))
        yield started


def call(opener, url, *, method="GET", body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@postgres_only
def test_a_write_on_one_server_is_read_on_another_from_the_replica_after_the_pin_window(
    servers, replica, django_user_model
):
    a, b = servers
    # A superuser: an earlier transactional test may have flushed the migrations' groups.
    writer = django_user_model.objects.create_superuser("replica-writer", password=None)
    token = Token.objects.create(user=writer).key
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    publisher = factories.publisher(name="Replica News")
    source = {"key": "replica-report", "title": "Replica report", "publisher": publisher.slug}
    body = json.dumps(source | {"published": "2026-05"})
    status, headers, content = call(
        browser,
        a.url + "/api/sources/",
        method="POST",
        body=body.encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    assert status == 201, content
    url = f"{b.url}/api/sources/{json.loads(content)['id']}/"
    assert any(cookie.name == routers.PIN_COOKIE for cookie in jar)
    # Right after its write the client reads from the primary, on the other server too.
    status, headers, content = call(browser, url)
    assert status == 200 and json.loads(content)["title"] == "Replica report"
    assert set(b.served_by(headers["X-Request-ID"])) == {"default"}
    # Once the pin has expired, the same client's anonymous read is the replica's.
    time.sleep(2.2)
    jar.clear_expired_cookies()
    assert not any(cookie.name == routers.PIN_COOKIE for cookie in jar)
    status, headers, content = call(browser, url)
    assert status == 200 and json.loads(content)["title"] == "Replica report"
    assert set(b.served_by(headers["X-Request-ID"])) == {"replica1"}
    # A token client always reads the primary.
    status, headers, _ = call(
        browser, b.url + "/api/sources/", headers={"Authorization": f"Token {token}"}
    )
    assert status == 200 and set(b.served_by(headers["X-Request-ID"])) == {"default"}
    # The replica's readiness is reported.
    status, _, content = call(browser, b.url + "/readyz")
    ready = json.loads(content)
    assert status == 200 and ready["replicas"]["replica1"]["ok"]
    assert ready["replicas"]["replica1"]["lag_seconds"] <= 2


@postgres_only
def test_reads_are_served_by_the_primary_while_the_replica_is_down(servers, replica):
    _, b = servers
    anonymous = urllib.request.build_opener()
    status, headers, _ = call(anonymous, b.url + "/api/metrics/")
    assert status == 200 and set(b.served_by(headers["X-Request-ID"])) == {"replica1"}
    replica.stop()
    try:
        time.sleep(0.3)  # past REPLICA_CHECK_SECONDS: the next request checks again
        for _ in range(3):
            status, headers, _ = call(anonymous, b.url + "/api/metrics/?page=1")
            assert status == 200
            assert set(b.served_by(headers["X-Request-ID"])) == {"default"}
        status, _, content = call(anonymous, b.url + "/readyz")
        ready = json.loads(content)
        assert status == 200 and ready["status"] == "ready"
        assert not ready["replicas"]["replica1"]["ok"]
    finally:
        replica.start()
    with psycopg.connect(replica.url("postgres"), autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]


@pytest.fixture
def wal(replica):
    """Connections to the primary and the replica's ``postgres`` databases, with a table
    on the primary to write to (dropped afterwards)."""
    with (
        psycopg.connect(replica.primary, autocommit=True) as primary,
        psycopg.connect(replica.url("postgres"), autocommit=True) as standby,
    ):
        primary.execute("CREATE TABLE IF NOT EXISTS qwenkb_lag_probe (body text)")
        try:
            _commit(primary)
            replica.wait_for(primary)
            yield primary, standby
        finally:
            primary.execute("DROP TABLE qwenkb_lag_probe")


def _commit(conn) -> None:
    """One committed row in the primary's WAL."""
    conn.execute("INSERT INTO qwenkb_lag_probe VALUES ('x')")


def _wait_received(primary, standby, timeout: float = 30) -> None:
    """Wait until the standby has received (not necessarily replayed) all the primary wrote."""
    lsn = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if standby.execute("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0]:
            return
        time.sleep(0.02)
    raise TimeoutError(f"the replica did not receive {lsn} within {timeout} s")


@postgres_only
def test_a_replica_is_behind_only_while_it_has_wal_it_could_replay_and_has_not(
    replica, wal, monkeypatch
):
    """After a quiet spell on the primary, WAL the replica is about to replay must not make
    the age of its last replayed commit, the length of the quiet spell, read as its lag."""
    primary, standby = wal
    assert routers.measure_lag(primary.cursor()) is None  # not a replica
    assert routers.measure_lag(standby.cursor()) == 0.0
    quiet = 1.5
    with psycopg.connect(replica.url("postgres"), autocommit=True) as control:
        control.execute("SELECT pg_wal_replay_pause()")
        try:
            time.sleep(quiet)
            _commit(primary)
            _wait_received(primary, standby)
            # Held back with a commit to replay, it is behind by at least the quiet spell.
            assert routers.measure_lag(standby.cursor()) >= quiet
            # Replaying it within the grace, it is behind by the time that took.
            monkeypatch.setattr(routers, "REPLAY_GRACE_SECONDS", 10.0)
            resume = threading.Timer(0.1, control.execute, ["SELECT pg_wal_replay_resume()"])
            resume.start()
            lag = routers.measure_lag(standby.cursor())
            resume.join()
        finally:
            control.execute("SELECT pg_wal_replay_resume()")
    assert 0 < lag < quiet
    replica.wait_for(primary)
    assert routers.measure_lag(standby.cursor()) == 0.0


@postgres_only
def test_part_of_a_record_the_replica_cannot_replay_yet_is_not_lag(replica, wal):
    """What failed CI: WAL is streamed as the primary flushes it, whole pages at a time, so
    a transaction still writing leaves the replica holding the first part of a record. It
    has replayed all it can, yet its received position is ahead of its replayed one; the age
    of its last replayed commit grew with every second of it and read as lag."""
    _, standby = wal
    with psycopg.connect(replica.primary) as writer:
        # About 640 KB in one open transaction: the WAL writer flushes its whole pages.
        writer.execute(
            "INSERT INTO qwenkb_lag_probe"
            " SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 20000)"
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                ahead, age = standby.execute(
                    "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn(),"
                    " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
                ).fetchone()
                if ahead and age > 1:
                    break
                time.sleep(0.1)
            assert ahead and age > 1, "the replica never held part of a record"
            assert routers.measure_lag(standby.cursor()) == 0.0
        finally:
            writer.rollback()
