"""`make serve`'s server: gunicorn with DEBUG off starts, answers /api/ in JSON, and stops."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_the_api_with_debug_off(tmp_path):
    port = free_port()
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": "serve-test-only-" + "k" * 50,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [str(GUNICORN), "--config", "qwenkb/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its workers stop with it
    )
    try:
        deadline, answer = time.time() + 60, None
        while answer is None and time.time() < deadline:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/", timeout=5) as response:
                    answer = (response.status, response.headers["Content-Type"], response.read())
            except OSError:
                time.sleep(0.3)
        assert answer is not None, "gunicorn did not answer within 60 s"
        status, content_type, body = answer
        assert status == 200 and content_type.startswith("application/json")
        assert set(json.loads(body)) >= {"entities", "metrics", "claims", "contradictions"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
