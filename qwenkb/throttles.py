"""API rate limits (kept apart from the viewsets: DRF imports them while it starts).

Counts are kept in the ``throttle`` cache, which every worker process shares (settings.CACHES),
and counted with the cache's atomic ``add`` and ``incr``: two workers answering one client
at the same moment cannot both read the same count and both let the request through. A
client's window opens with its first request and lasts the rate's period. Clients are told
apart by the connecting address unless TRUSTED_PROXIES says how many proxies to believe.

The cache is opened once per process and kept open: Django closes the caches it hands out
at the end of every request, and reopening diskcache's SQLite shards (a connection and its
settings read per shard) cost more CPU than the rest of a cached read (bench/notes.md).
"""

from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from rest_framework import permissions, throttling

_kept: dict = {}  # alias -> the cache backend this process keeps open


@receiver(setting_changed)
def _forget_kept(setting, **kwargs):
    if setting == "CACHES":
        _kept.clear()


def kept_open(alias: str):
    """The ``alias`` cache, one handle per process that no request's end closes (diskcache
    reopens its connections itself after a fork, and keeps one per thread)."""
    cache = _kept.get(alias)
    if cache is None:
        cache = _kept[alias] = caches.create_connection(alias)
    return cache


class SharedCountThrottle(throttling.SimpleRateThrottle):
    """At most ``num_requests`` per ``duration`` seconds per client, counted atomically."""

    @property
    def cache(self):
        return kept_open("throttle")

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        start_key = f"{self.key}:start"
        start = self.cache.get(start_key)
        if start is None:  # the client's first request of a window opens it (first one wins)
            self.cache.add(start_key, self.now, timeout=self.duration)
            start = self.cache.get(start_key, self.now)
        # Within a window (every request but its first) a read and an increment: one write.
        count_key = f"{self.key}:{start!r}"
        try:
            count = self.cache.incr(count_key)
        except ValueError:  # the window's first count, unless another request just made it
            opened = self.cache.add(count_key, 1, timeout=self.duration)
            count = 1 if opened else self._incr_or_open(count_key, self.duration)
        self.window_end = start + self.duration
        return count <= self.num_requests

    def _incr_or_open(self, count_key: str, duration: int) -> int:
        try:
            return self.cache.incr(count_key)
        except ValueError:  # the window closed between add and incr: this opens the next
            self.cache.set(count_key, 1, timeout=duration)
            return 1

    def wait(self):
        return max(0.0, self.window_end - self.now)


class WriteRateThrottle(SharedCountThrottle, throttling.UserRateThrottle):
    """Limits writes per user (scope "writes")."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class AnonReadRateThrottle(SharedCountThrottle, throttling.AnonRateThrottle):
    """Limits anonymous reads per client address (scope "anon")."""
