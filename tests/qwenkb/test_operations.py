"""What an operator relies on: health and readiness, Prometheus metrics, JSON request logs,
and the settings that put caches, sessions and throttles in one Redis shared by every server."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from qwenkb import health
from qwenkb.observability import JsonFormatter, RequestIdFilter, request_id_var

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_the_migrations(client, db):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ready"
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert body["replicas"] == {}


def test_readyz_is_503_naming_what_is_wrong(client, db, monkeypatch):
    def unapplied():
        raise RuntimeError("2 migrations not applied: claims.0006_x, claims.0007_y")

    monkeypatch.setattr(health, "_migrations", unapplied)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unready"
    assert "claims.0006_x" in response.json()["checks"]["migrations"]["error"]


@pytest.mark.django_db(transaction=True)  # the read cache answers only outside transactions
def test_metrics_count_requests_queries_and_read_cache_hits(client, kb):
    client.get("/api/claims/")
    client.get("/api/claims/")
    text = client.get("/metrics").content.decode()
    assert (
        'django_http_responses_total_by_status_view_method_total{method="GET",status="200",view="api:claim-list"}'
        in text
    )
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert 'qwenkb_db_queries_total{alias="default"}' in text
    assert 'qwenkb_read_cache_total{result="hit"}' in text
    assert 'qwenkb_read_cache_total{result="miss"}' in text


@override_settings(METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"], METRICS_TOKEN="t" * 32)
def test_metrics_are_closed_to_other_networks_unless_the_token_is_given(client, db):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    allowed = client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "t" * 32)
    assert allowed.status_code == 200 and b"qwenkb_db_queries" in allowed.content
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_every_request_logs_one_json_line_with_its_id(client, kb, caplog):
    caplog.set_level(logging.INFO, logger="qwenkb.requests")
    response = client.get("/api/claims/?status=accepted")
    request_id = response["X-Request-ID"]
    (record,) = [r for r in caplog.records if r.name == "qwenkb.requests"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == request_id and len(request_id) == 32
    assert line["status"] == 200 and line["view"] == "api:claim-list"
    assert line["path"] == "/api/claims/" and line["queries"]["default"] >= 1
    assert line["duration_ms"] > 0 and line["worker_pid"] == os.getpid()


def test_a_clients_request_id_is_kept_and_a_bad_one_replaced(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234.abc")["X-Request-ID"] == "lb-1234.abc"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="evil\nheader" + "x" * 200)
    assert replaced["X-Request-ID"] != "evil" and len(replaced["X-Request-ID"]) == 32


def test_log_lines_written_under_a_request_carry_its_id():
    record = logging.makeLogRecord({"msg": "hello %s", "args": ("you",), "name": "x"})
    token = request_id_var.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "abc123"
    assert json.loads(JsonFormatter().format(record))["message"] == "hello you"


def settings_in(**env) -> dict:
    """Settings as a fresh process reads them from ``env``."""
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'caches': settings.CACHES, 'sessions': settings.SESSION_ENGINE,"
        " 'databases': sorted(settings.DATABASES), 'eager': settings.CELERY_TASK_ALWAYS_EAGER,"
        " 'replica': settings.DATABASES.get('replica2', {}).get('PORT')}))"
    )
    environ = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ | {"DJANGO_SETTINGS_MODULE": "qwenkb.settings"} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_servers_everything_is_embedded():
    found = settings_in()
    assert "readcache" not in found["caches"]  # the read cache stays on disk
    assert found["caches"]["throttle"]["BACKEND"] == "diskcache.DjangoCache"
    assert found["sessions"] == "django.contrib.sessions.backends.db"
    assert found["databases"] == ["default"] and found["eager"] is True


def test_redis_url_shares_caches_sessions_and_throttles_and_replicas_are_added():
    found = settings_in(
        REDIS_URL="redis://127.0.0.1:6379/3",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/4",
        DATABASE_URL="postgres://u@127.0.0.1:5432/kb",
        DATABASE_REPLICA_URLS="postgres://u@127.0.0.1:5433/kb, postgres://u@127.0.0.1:5434/kb",
    )
    for alias in ("default", "throttle", "readcache"):
        assert found["caches"][alias]["BACKEND"] == "django_redis.cache.RedisCache"
        assert found["caches"][alias]["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert len({found["caches"][a]["KEY_PREFIX"] for a in found["caches"]}) == 3
    assert found["sessions"] == "django.contrib.sessions.backends.cache"
    assert found["databases"] == ["default", "replica1", "replica2"]
    assert found["replica"] == 5434 and found["eager"] is False


redis_only = pytest.mark.needs("redis")


@redis_only
@pytest.mark.django_db(transaction=True)
def test_the_read_cache_lives_in_redis_for_every_server(anon, kb):
    from django.core.cache import caches

    from qwenkb import readcache

    readcache.clear()
    assert anon.get("/api/claims/")["X-Cache"] == "miss"
    keys = caches["readcache"].keys("*")
    assert len(keys) == 1 and keys[0].endswith(" http://testserver/api/claims/")
    assert anon.get("/api/claims/")["X-Cache"] == "hit"
