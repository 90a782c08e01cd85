"""QwenKB served as in production, for tests that need real worker processes.

``served_database`` makes a throwaway database of the kind the tests run on (a SQLite file,
or a fresh PostgreSQL database beside the test database), migrated and holding a small
knowledge base and a reviewer's token; ``app_server`` serves it as `make serve` does
(``qwenkb.server``), with the given workers.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
SERVER = [sys.executable, "-m", "qwenkb.server"]

SETUP = """
import json
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from tests import factories

user = User.objects.create_user("rex", password=None, is_staff=True)
user.groups.add(Group.objects.get(name="Reviewers"))
text = "The flagship boasts over 1 trillion parameters."
publisher = factories.publisher(name="VB")
src = factories.source(title="Weekly report", text=text, pub=publisher)
qwen = factories.entity(name="Qwen", kind="model_family")
metric = factories.metric(slug="largest-model-parameters")
claim = factories.claim(
    subject=qwen, metric_=metric, src=src, value="over 1 trillion",
    quote="over 1 trillion parameters",
).claim
print(json.dumps({
    "token": Token.objects.create(user=user).key,
    "claim": claim.pk, "entity": qwen.slug, "source": src.pk,
    "metric": metric.slug, "publisher": publisher.slug,
}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    """Run manage.py with ``env``; its standard output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def production_env(tmp_path: Path, database_url: str) -> dict:
    """The environment of `make serve`, on ``database_url``, with caches under ``tmp_path``.

    Without the caller's REDIS_URL and CELERY_BROKER_URL: a served test keeps its rate-limit
    counts and tasks to itself, or one test's requests would spend the next one's limit.
    """
    inherited = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    return inherited | {
        "DEBUG": "0",
        "SECRET_KEY": "served-test-only-" + "k" * 50,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CACHE_DIR": str(tmp_path / "shared-cache"),
        "API_CACHE_DIR": str(tmp_path / "api-responses"),
    }


@contextmanager
def empty_database(tmp_path: Path, label: str):
    """The URL of a new, empty database of the tests' kind; dropped afterwards."""
    config = settings.DATABASES["default"]
    if connections["default"].vendor != "postgresql":
        yield f"sqlite:///{tmp_path / f'{label}.sqlite3'}"
        return
    import psycopg

    name = f"{config['NAME']}_{label}_{uuid.uuid4().hex[:8]}"
    server = f"{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}"
    user = config["USER"] or "postgres"
    auth = f"{user}:{config['PASSWORD']}" if config.get("PASSWORD") else user
    admin = f"postgresql://{auth}@{server}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{auth}@{server}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def served_database(tmp_path: Path, label: str = "served"):
    """(environment, facts): a migrated database with a reviewer's token and one claim."""
    with empty_database(tmp_path, label) as url:
        env = production_env(tmp_path, url)
        manage(env, "migrate", "--noinput", "-v0")
        facts = json.loads(manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
        yield env, facts


@contextmanager
def app_server(env: dict, *, workers: int, threads: int = 1, log: Path | None = None):
    """The base URL of `make serve`'s server running QwenKB with ``env``; stopped afterwards.

    Its output goes to ``log`` (a file: every request writes a JSON log line to stderr, and
    a pipe nobody reads fills after some hundred requests, after which every worker thread
    blocks in its logging handler and the requests hang).
    """
    port = free_port()
    env = env | {"PORT": str(port), "WEB_CONCURRENCY": str(workers), "WEB_THREADS": str(threads)}
    with tempfile.TemporaryDirectory() as scratch:
        log = log or Path(scratch) / "server.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                SERVER,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=output,
                start_new_session=True,  # its workers stop with it
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                if server.poll() is not None:
                    raise AssertionError(log.read_text()[-3000:])
                try:  # answering; /healthz spends no rate-limit count
                    urllib.request.urlopen(base + "/healthz", timeout=5).close()
                    break
                except OSError:
                    assert time.time() < deadline, "the server did not answer within 60 s"
                    time.sleep(0.3)
            yield base
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        # Stopped by SIGTERM, it finished what it held and stopped its workers itself.
        assert server.returncode == 0, log.read_text()[-3000:]


def log_lines(log: Path) -> list[tuple[str, dict | None]]:
    """Each line the server wrote, with its JSON entry (None for a line not in the app's
    JSON format: the server's own, a traceback printed outside logging)."""
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line) if line.startswith("{") else None
        except ValueError:
            entry = None
        lines.append((line, entry))
    return lines


def request_lines(log: Path) -> list[dict]:
    """The app's JSON log line of every request the server answered, in order."""
    return [
        entry
        for _, entry in log_lines(log)
        if entry is not None and entry.get("logger") == "qwenkb.requests"
    ]


def server_errors(log: Path, limit: int = 6000) -> str:
    """What the server logged at ERROR or above (with tracebacks), and any line not in the
    app's JSON format, for an assertion's message: the end of it, up to ``limit`` characters."""
    found = []
    for line, entry in log_lines(log):
        if entry is None:
            found.append(line)
        elif entry.get("level") in {"ERROR", "CRITICAL"}:
            found.append(f"{entry.get('logger')}: {entry.get('message')}")
            found.append(entry.get("exception", ""))
    return "\n".join(found)[-limit:] or "(nothing logged at ERROR)"
