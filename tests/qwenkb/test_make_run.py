"""`make run` from a fresh clone: builds, migrates, loads the seed and serves."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_from_a_fresh_clone_serves_the_seed(tmp_path):
    if not (ROOT / ".git").exists() or shutil.which("git") is None or shutil.which("make") is None:
        pytest.fail("this test needs git, make and a git checkout")
    clone = tmp_path / "qwenkb"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # Reuse the built environment (the install itself is what `make test` just did).
    (clone / ".venv").symlink_to(ROOT / ".venv")
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    port = free_port()
    env |= {"PORT": str(port), "SEED_TEXTS_DIR": str(ROOT.parent / "shared" / "seeds")}
    server = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        body = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/claims/?subject=qwen&disputed=true", timeout=5
                ) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(1)
        assert body is not None, "make run did not serve in time"
        assert "exceeding 1.8 trillion" in body and "over 1 trillion" in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            output = server.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:  # a process that ignored SIGTERM holds the pipe
            os.killpg(server.pid, signal.SIGKILL)
            output = server.communicate(timeout=30)[0]
    assert "Seed knowledge base loaded" in output
    assert "createsuperuser" in output  # it says how to create an account
