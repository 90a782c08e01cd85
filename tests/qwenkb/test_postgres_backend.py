"""The PostgreSQL health check (qwenkb/postgres/base.py): no question to a healthy idle
connection, a new connection in place of one the server has closed."""

import select
import time

import psycopg
import pytest
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import Metric
from qwenkb.postgres.arrays import Ids
from qwenkb.postgres.base import says_nothing

pytestmark = [pytest.mark.needs("postgresql"), pytest.mark.django_db(transaction=True)]


def statements_sent(monkeypatch) -> list[str]:
    """What the kept psycopg connection is asked from now on (Django's SELECT 1 goes there)."""
    sent: list[str] = []
    raw = connection.connection
    real_cursor = raw.cursor

    def cursor(*args, **kwargs):
        made = real_cursor(*args, **kwargs)
        real_execute = made.execute

        def execute(query, *more, **options):
            sent.append(str(query))
            return real_execute(query, *more, **options)

        made.execute = execute
        return made

    monkeypatch.setattr(raw, "cursor", cursor)
    return sent


def kept_connection():
    """The test's connection, opened, idle between transactions, as a request finds it."""
    Metric.objects.count()
    assert not connection.in_atomic_block
    return connection.connection


def wait_readable(raw, seconds: float = 5.0) -> None:
    readable, _, _ = select.select([raw.fileno()], [], [], seconds)
    assert readable, "the server said nothing on the connection"


def terminate(raw) -> None:
    """Close the connection's session from the server's side, as a restart does."""
    pid = raw.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_readable(raw)


def test_the_backend_is_djangos_postgresql_with_its_health_checks_on():
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["ENGINE"] == "qwenkb.postgres"
    assert connection.health_check_enabled


def test_a_healthy_idle_connection_is_usable_without_a_round_trip(monkeypatch):
    raw = kept_connection()
    sent = statements_sent(monkeypatch)
    assert says_nothing(raw)
    assert connection.is_usable()
    assert sent == []


def test_a_request_starts_on_a_kept_connection_without_asking_it(monkeypatch):
    raw = kept_connection()
    connection.close_at = time.monotonic() + 600  # kept, as CONN_MAX_AGE keeps it when serving
    sent = statements_sent(monkeypatch)
    close_old_connections()  # what every request's start runs
    connection.close_if_health_check_failed()  # what its first query runs
    assert connection.connection is raw
    assert sent == []


def test_a_connection_the_server_closed_is_not_usable_and_the_next_request_reconnects():
    raw = kept_connection()
    terminate(raw)
    assert not says_nothing(raw)
    assert connection.is_usable() is False
    close_old_connections()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is None  # closed, not handed to the request
    assert Metric.objects.count() == 0  # the request's query runs on a new connection
    assert connection.connection is not raw


def test_something_to_read_on_a_live_connection_is_asked_about_and_found_usable(monkeypatch):
    raw = kept_connection()
    raw.execute("LISTEN qwenkb_health")
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("NOTIFY qwenkb_health")
    wait_readable(raw)
    sent = statements_sent(monkeypatch)
    assert not says_nothing(raw)
    assert connection.is_usable() is True
    assert sent == ["SELECT 1"]


def test_a_connection_in_a_transaction_is_asked(monkeypatch):
    raw = kept_connection()
    raw.execute("BEGIN")
    sent = statements_sent(monkeypatch)
    assert not says_nothing(raw)
    assert connection.is_usable() is True
    assert sent == ["SELECT 1"]
    raw.execute("ROLLBACK")


@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=50))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_ids_are_sent_as_one_bigint_array_with_every_value_whole(ids):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s, pg_typeof(%s)::text", [Ids(ids), Ids(ids)])
        assert cursor.fetchone() == (ids, "bigint[]")


@pytest.mark.parametrize("bad", ["1}", "1,2", 1.5, None])
def test_ids_that_are_not_whole_numbers_are_refused_before_they_are_sent(bad):
    """Nothing but an int is written into the array's text ("1}" would end it early)."""
    with connection.cursor() as cursor, pytest.raises(TypeError, match="requires a 'int'"):
        cursor.execute("SELECT %s", [Ids([1, bad])])
