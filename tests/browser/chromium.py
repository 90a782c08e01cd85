"""Finding a Chromium for Playwright: Debian's system package first, then Playwright's own.

Shared by the browser tests (tests/browser/conftest.py) and the screenshot script.
"""

import os
import shutil
import subprocess
import sys

from playwright.sync_api import Browser, Error, Playwright

# The windows the browser tests and the README's screenshots use: a desktop and a phone.
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SYSTEM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium")
HOW_TO_GET_ONE = (
    "The browser tests need Chromium and none could be started. Install Debian's package "
    "(sudo apt-get install -y chromium), or let Playwright fetch its own "
    "(.venv/bin/python -m playwright install chromium), or point QWENKB_CHROMIUM at a "
    "Chromium or Chrome executable."
)


class BrowserMissing(RuntimeError):
    """No Chromium could be found, installed or started."""


def system_chromium() -> str | None:
    """The path of an installed Chromium, if there is one."""
    configured = os.environ.get("QWENKB_CHROMIUM")
    if configured:
        return configured
    for path in SYSTEM_PATHS:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright: Playwright) -> Browser:
    """Start a headless Chromium: the system's, else Playwright's (installing it once)."""
    path = system_chromium()
    if path:
        try:
            return playwright.chromium.launch(executable_path=path, headless=True, args=ARGS)
        except Error as exc:
            raise BrowserMissing(f"{HOW_TO_GET_ONE}\nStarting {path} failed: {exc}") from exc
    try:
        return playwright.chromium.launch(headless=True, args=ARGS)
    except Error:
        pass  # not downloaded yet: fetch it below, once
    install = subprocess.run(
        [sys.executable, "-m", "playwright", "install", "chromium"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    try:
        return playwright.chromium.launch(headless=True, args=ARGS)
    except Error as exc:
        output = (install.stdout + install.stderr).strip()[-2000:]
        raise BrowserMissing(
            f"{HOW_TO_GET_ONE}\n`playwright install chromium` said:\n{output}\n{exc}"
        ) from exc
