"""API rate limits (kept apart from the viewsets: DRF imports them while it starts)."""

from rest_framework import permissions, throttling


class WriteRateThrottle(throttling.UserRateThrottle):
    """Limits writes per user (scope "writes")."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class AnonReadRateThrottle(throttling.AnonRateThrottle):
    """Limits anonymous reads per client address (scope "anon")."""
