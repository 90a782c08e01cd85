"""Shared fixtures: accounts in each role, and the seed knowledge base."""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client, override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests assert what holds, never how fast: no per-example deadline, and no failure
# because generating examples is slow on a loaded machine (CI runs beside other work).
hypothesis_settings.register_profile(
    "qwenkb", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("qwenkb")

# Services a test may need beyond the embedded default (``@pytest.mark.needs("postgresql")``),
# and whether this run has each. A run without one leaves those tests out and says so at the
# end; with QWENKB_ALL_TESTS=1 (CI's PostgreSQL pass) a test left out is an error, so every
# test runs in CI.
SERVICES = {
    "postgresql": lambda: (
        os.environ.get("DATABASE_URL", "").split(":")[0] in ("postgres", "postgresql")
    ),
    "redis": lambda: bool(os.environ.get("REDIS_URL")),
}
_left_out: dict[str, int] = {}


def pytest_collection_modifyitems(config, items):
    kept, left = [], []
    for item in items:
        missing = sorted(
            {name for mark in item.iter_markers("needs") for name in mark.args}
            - {name for name, present in SERVICES.items() if present()}
        )
        if missing:
            left.append(item)
            key = " and ".join(missing)
            _left_out[key] = _left_out.get(key, 0) + 1
        else:
            kept.append(item)
    if left and os.environ.get("QWENKB_ALL_TESTS") == "1":
        lacking = ", ".join(f"{_tests(n)} {_need(n)} {what}" for what, n in _left_out.items())
        _left_out.clear()
        raise pytest.UsageError(
            f"QWENKB_ALL_TESTS=1, but {_tests(len(left))} {_need(len(left))} "
            f"what this run lacks: {lacking}"
        )
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def _tests(count: int) -> str:
    return f"{count} test" if count == 1 else f"{count} tests"


def _need(count: int) -> str:
    return "needs" if count == 1 else "need"


def pytest_terminal_summary(terminalreporter):
    for what, count in _left_out.items():
        terminalreporter.write_line(
            f"{_tests(count)} left out: {'they need' if count > 1 else 'it needs'} {what}, "
            "which this run lacks "
            "(CI's second pass has both: see .ci/run)"
        )


@pytest.fixture(autouse=True, scope="session")
def api_read_cache_of_its_own(tmp_path_factory):
    """The tests' API read cache and shared cache live in directories of their own, not the
    checkout's."""
    caches = dict(settings.CACHES)
    if "diskcache" in caches["throttle"]["BACKEND"]:
        caches["throttle"] = caches["throttle"] | {
            "LOCATION": str(tmp_path_factory.mktemp("shared-cache"))
        }
    with override_settings(API_CACHE_DIR=tmp_path_factory.mktemp("api-responses"), CACHES=caches):
        yield


@pytest.fixture(autouse=True, scope="session")
def tasks_run_in_the_test():
    """Tasks run eagerly in the test's process even when CELERY_BROKER_URL is set (it names the
    broker the worker tests start their worker on; they switch to it themselves)."""
    from qwenkb.celery import app

    app.conf.update(CELERY_TASK_ALWAYS_EAGER=True)
    yield


def _account(username: str, group: str | None, **extra) -> User:
    user = User.objects.create_user(username=username, password=None, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db) -> User:
    """A staff account in the Editors group."""
    return _account("edith", "Editors")


@pytest.fixture
def reviewer(db) -> User:
    """A staff account in the Reviewers group."""
    return _account("rex", "Reviewers")


@pytest.fixture
def editor_client(editor) -> Client:
    """A test client logged in as an editor."""
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(reviewer) -> Client:
    """A test client logged in as a reviewer."""
    client = Client()
    client.force_login(reviewer)
    return client


def seed_texts_dir() -> Path | None:
    """The seed documents beside the checkout, when they are there."""
    path = Path(settings.SEED_TEXTS_DIR)
    return path if path.is_dir() else None


@pytest.fixture
def seed_kb(db):
    """The seed knowledge base, loaded through the services (quotes verified when texts exist)."""
    texts = seed_texts_dir()
    args = ["--texts", str(texts)] if texts else []
    call_command("load_seed", *args, stdout=io.StringIO())
