"""`make serve`'s server (``qwenkb.server``, granian): with DEBUG off it starts, answers /api/
in JSON, logs each request once with the worker that answered it, replaces a worker that
dies, and stops cleanly."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.exceptions import ImproperlyConfigured
from granian.constants import Interfaces
from granian.log import LogLevels

from qwenkb.server import settings
from tests.qwenkb.served import ROOT, app_server, manage, production_env, request_lines


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def serving(tmp_path):
    env = production_env(tmp_path, f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    manage(env, "migrate", "--noinput", "-v0")
    return env


def test_make_serve_serves_the_api_with_debug_off(tmp_path):
    log = tmp_path / "server.log"
    with app_server(serving(tmp_path), workers=2, threads=2, log=log) as base:
        status, content_type, body = get(base + "/api/")
        assert status == 200 and content_type.startswith("application/json")
        assert set(json.loads(body)) >= {"entities", "metrics", "claims", "contradictions"}
        with urllib.request.urlopen(base + "/api/metrics/", timeout=10) as response:
            assert response.status == 200 and response.headers["Server"] == "granian"
    answered = [(line["path"], line["status"]) for line in request_lines(log)]
    assert answered == [("/healthz", 200), ("/api/", 200), ("/api/metrics/", 200)]
    assert "Granian shutdown completed" in log.read_text()  # and app_server saw it exit 0


def test_a_worker_that_dies_is_replaced(tmp_path):
    log = tmp_path / "server.log"
    with app_server(serving(tmp_path), workers=1, threads=1, log=log) as base:
        get(base + "/healthz")
        (first,) = {line["worker_pid"] for line in request_lines(log)}
        os.kill(first, signal.SIGKILL)
        deadline, answered_by = time.time() + 30, None
        while answered_by is None and time.time() < deadline:
            try:
                assert get(base + "/api/")[0] == 200
                answered_by = request_lines(log)[-1]["worker_pid"]
            except OSError:  # no worker until the new one has started
                time.sleep(0.5)
    assert answered_by is not None, "no worker answered within 30 s of the first one's death"
    assert answered_by != first


def test_the_servers_settings_come_from_the_environment():
    given = settings(
        {
            "HOST": "0.0.0.0",
            "PORT": "9000",
            "WEB_CONCURRENCY": "3",
            "WEB_THREADS": "4",
            "WEB_MAX_RSS_MB": "300",
            "LOG_LEVEL": "WARNING",
        }
    )
    assert (given["address"], given["port"], given["workers"]) == ("0.0.0.0", 9000, 3)
    assert (given["blocking_threads"], given["workers_max_rss"]) == (4, 300)
    assert given["interface"] == Interfaces.WSGI and given["log_level"] == LogLevels.warning
    defaults = settings({})
    assert (defaults["address"], defaults["port"]) == ("127.0.0.1", 8000)
    assert defaults["workers"] == os.cpu_count() and defaults["blocking_threads"] == 2
    assert defaults["respawn_failed_workers"] and defaults["workers_kill_timeout"] == 10


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "PORT must be a whole number; got 'eighty'."),
        ("PORT", "70000", "PORT must be a whole number from 1 to 65535; got '70000'."),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY must be a whole number 1 or more; got '0'."),
        ("WEB_THREADS", "two", "WEB_THREADS must be a whole number; got 'two'."),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
)
def test_a_bad_server_setting_is_refused_by_name(name, value, message):
    with pytest.raises(ImproperlyConfigured) as refused:
        settings({name: value})
    assert str(refused.value).startswith(message)


def test_make_serve_with_a_bad_setting_stops_at_once_saying_which():
    result = subprocess.run(
        [sys.executable, "-m", "qwenkb.server"],
        cwd=ROOT,
        env=os.environ | {"PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "make serve: PORT must be a whole number; got 'eighty'."


def test_the_server_tells_its_workers_settings_that_they_serve_requests(monkeypatch):
    """So their statements are bounded (DB_REQUEST_TIMEOUT) and no command's are."""
    from qwenkb import server

    started = []

    class Recorder:
        def __init__(self, target, **options):
            started.append(os.environ.get("QWENKB_SERVING"))

        def serve(self):
            started.append("served")

    # Undone after the test (a variable merely deleted here would not be): the other tests'
    # commands must not read it.
    monkeypatch.setenv("QWENKB_SERVING", "0")
    monkeypatch.setattr(server, "Granian", Recorder)
    server.main()
    assert started == ["1", "served"]
