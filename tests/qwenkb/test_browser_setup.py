"""`make test` on a machine without a browser: Playwright's download, then apt-get, then a
clear message."""

from unittest import mock

import pytest

from tests.browser import setup_browser


@pytest.fixture
def machine(monkeypatch):
    """A machine with no Chromium; records the commands run, which succeed unless told."""
    state = {"commands": [], "fail": set(), "installed_by": None, "root": True}

    def run(command):
        state["commands"].append(command)
        words = " ".join(command)
        ok = not any(word in words for word in state["fail"])
        if ok and "playwright install" in words:
            state["installed_by"] = "playwright"
        if ok and "apt-get install" in words:
            state["installed_by"] = "apt-get"
        return ok

    monkeypatch.setattr(setup_browser, "run", run)
    monkeypatch.setattr(
        setup_browser,
        "playwright_chromium",
        lambda: "/pw/chrome" if state["installed_by"] == "playwright" else None,
    )
    monkeypatch.setattr(
        setup_browser,
        "system_chromium",
        lambda: "/usr/bin/chromium" if state["installed_by"] == "apt-get" else None,
    )
    monkeypatch.setattr(setup_browser, "as_root", lambda: [] if state["root"] else None)
    return state


def test_playwright_download_comes_first(machine):
    assert setup_browser.ensure_chromium() == "playwright"
    assert len(machine["commands"]) == 1


def test_apt_get_when_playwright_cannot_download(machine):
    machine["fail"] = {"playwright"}
    assert setup_browser.ensure_chromium() == "apt-get"
    assert machine["commands"][-1][-1] == "chromium"


def test_without_root_it_stops_with_the_instructions(machine):
    machine["fail"], machine["root"] = {"playwright"}, False
    with pytest.raises(SystemExit) as stop:
        setup_browser.ensure_chromium()
    assert "apt-get install -y chromium" in str(stop.value.code)
    assert all("apt-get" not in " ".join(c) for c in machine["commands"])


def test_an_installed_chromium_needs_nothing(machine):
    machine["installed_by"] = "apt-get"
    assert setup_browser.ensure_chromium() == "present" and machine["commands"] == []


def test_sudo_is_used_only_without_a_password():
    with (
        mock.patch("os.geteuid", return_value=1000),
        mock.patch("shutil.which", return_value="/usr/bin/sudo"),
        mock.patch("subprocess.run", return_value=mock.Mock(returncode=1)),
    ):
        assert setup_browser.as_root() is None
