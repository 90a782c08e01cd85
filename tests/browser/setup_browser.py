"""Make sure the browser tests have a Chromium, installing one when the machine has none.

`make test` runs this first. In order: a Chromium already there (the system's, or one
Playwright downloaded earlier); Playwright's own download (`playwright install chromium`);
the system package manager (`apt-get install -y chromium`, as root or through passwordless
sudo). Only when all of these fail does it stop, saying how to get one.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.browser.chromium import HOW_TO_GET_ONE, system_chromium


def playwright_chromium() -> str | None:
    """The Chromium Playwright downloaded, if it has."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = playwright.chromium.executable_path
    return path if path and os.access(path, os.X_OK) else None


def run(command: list[str]) -> bool:
    print("$", " ".join(command), flush=True)
    try:
        return subprocess.run(command, check=False, timeout=1800).returncode == 0
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(exc, file=sys.stderr)
        return False


def as_root() -> list[str] | None:
    """The prefix that runs a command as root, or None when nothing can."""
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0:
        return [sudo, "-n"]
    return None


def ensure_chromium() -> str:
    """How a Chromium was found or installed; SystemExit with the instructions otherwise."""
    if system_chromium() or playwright_chromium():
        return "present"
    if run([sys.executable, "-m", "playwright", "install", "chromium"]) and playwright_chromium():
        return "playwright"
    prefix = as_root()
    if prefix is not None and shutil.which("apt-get"):
        env = ["env", "DEBIAN_FRONTEND=noninteractive"]
        updated = run([*prefix, "apt-get", "update", "-qq"])
        install = [*prefix, *env, "apt-get", "install", "-y", "-qq", "chromium"]
        if updated and run(install) and system_chromium():
            return "apt-get"
    raise SystemExit(HOW_TO_GET_ONE)


if __name__ == "__main__":
    print(f"Chromium for the browser tests: {ensure_chromium()}")
