"""The shared rate limit (qwenkb/throttles.py): exact under concurrency, windows that open
with a client's first request, and one store write per request within a window."""

import threading
import time

import pytest
from django.test import RequestFactory
from rest_framework.request import Request

from qwenkb import throttles
from qwenkb.throttles import AnonReadRateThrottle


@pytest.fixture
def limit(monkeypatch, tmp_path, settings):
    settings.CACHES = settings.CACHES | {
        "throttle": {"BACKEND": "diskcache.DjangoCache", "LOCATION": str(tmp_path / "throttle")}
    }
    throttles._kept.clear()
    monkeypatch.setattr(AnonReadRateThrottle, "THROTTLE_RATES", {"anon": "50/minute"})
    yield 50
    throttles._kept.clear()


def ask(address: str = "203.0.113.7") -> bool:
    throttle = AnonReadRateThrottle()
    request = Request(RequestFactory().get("/api/claims/", REMOTE_ADDR=address))
    return throttle.allow_request(request, None)


def test_many_threads_at_once_get_exactly_the_limit(limit, db):
    answers: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def client():
        start.wait()
        mine = [ask() for _ in range(20)]
        with lock:
            answers.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 160
    assert answers.count(True) == limit
    assert ask("198.51.100.1")  # another client has its own count


def test_a_window_opens_with_the_first_request_and_lasts_the_period(limit, db, monkeypatch):
    monkeypatch.setattr(AnonReadRateThrottle, "THROTTLE_RATES", {"anon": "5/second"})
    assert [ask() for _ in range(6)] == [True] * 5 + [False]
    time.sleep(1.05)  # the window's entries expire with it
    assert [ask() for _ in range(6)] == [True] * 5 + [False]


class Recording:
    """The throttle's cache, with the operations a request runs on it written down."""

    def __init__(self, cache):
        self.cache, self.calls = cache, []

    def __getattr__(self, name):
        method = getattr(self.cache, name)

        def call(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return call


def test_within_a_window_a_request_reads_once_and_writes_once(limit, db):
    recording = Recording(throttles.kept_open("throttle"))
    throttles._kept["throttle"] = recording  # forgotten when the test ends (``limit``)
    assert ask()
    opening = list(recording.calls)
    recording.calls.clear()
    assert ask()
    assert recording.calls == ["get", "incr"]
    assert opening[0] == "get" and "add" in opening  # the first request opened the window
