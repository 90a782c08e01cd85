"""The WSGI application `make serve` runs (``qwenkb.wsgi``): a whole body goes to the server as
one bytes object with the request already finished; a streamed body goes as Django gives
it, finished only when the server closes it."""

import csv
import io
import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.db import close_old_connections

from qwenkb.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished():
    """How many times ``request_finished`` was sent. Django's own receiver of it and of
    ``request_started`` (which would close the test's connection inside its transaction) is
    off meanwhile, as in Django's test client."""
    calls = []

    def count(**kwargs):
        calls.append(kwargs)

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.request_finished.connect(count)
    try:
        yield calls
    finally:
        signals.request_finished.disconnect(count)
        signals.request_finished.connect(close_old_connections)
        signals.request_started.connect(close_old_connections)


def call(path: str, query: str = "") -> tuple[list, object]:
    environ: dict = {"PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    started: list = []
    body = application(environ, lambda status, headers: started.append((status, headers)))
    return started, body


def test_a_whole_body_is_one_bytes_object_after_the_request_has_finished(seed_kb, finished):
    started, body = call("/api/metrics/")
    assert started[0][0] == "200 OK"
    assert isinstance(body, list) and len(body) == 1 and isinstance(body[0], bytes)
    slugs = {metric["slug"] for metric in json.loads(body[0])["results"]}
    assert {"active-parameters", "annual-revenue"} <= slugs
    assert len(finished) == 1  # closed before the server got the body


def test_an_error_body_is_whole_too(finished):
    started, body = call("/api/claims/", "subject=no-such-entity")
    assert started[0][0] == "400 Bad Request"
    assert "subject" in json.loads(b"".join(body))
    assert len(finished) == 1


def test_a_streamed_export_is_left_to_the_server_to_read_and_close(seed_kb, finished):
    started, body = call("/api/claims/", "format=csv")
    assert started[0][0] == "200 OK"
    assert not isinstance(body, list)
    assert finished == []  # nothing read yet: the request is still running
    text = b"".join(body).decode("utf-8-sig")  # with the BOM spreadsheets want
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {"id", "subject", "metric"} <= set(rows[0])
    assert finished == []
    body.close()
    assert len(finished) == 1


def test_loading_the_app_freezes_the_served_modules_out_of_every_collection():
    """A fresh worker: what the app serves from is imported when it loads, and frozen, so the
    collector's full passes never walk it (the views' classes are not among the objects it
    tracks); what a request makes later is still collected."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    script = (
        "import gc, sys\n"
        "import qwenkb.wsgi\n"
        "loaded = 'claims.api.views' in sys.modules and 'rest_framework.serializers' in sys.modules\n"
        "from claims.api.views import ClaimViewSet\n"
        "tracked = any(o is ClaimViewSet for o in gc.get_objects())\n"
        "class Cycle: pass\n"
        "c = Cycle(); c.me = c; del c\n"
        "print(loaded, tracked, gc.get_freeze_count(), gc.collect() >= 1)\n"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "qwenkb.settings"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == "True"  # imported when the app loads, not at the first request
    assert out[1] == "False"  # frozen: no collection walks it
    assert int(out[2]) > 50_000
    assert out[3] == "True"  # a cycle made afterwards is still collected
