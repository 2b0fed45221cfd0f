import logging

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

logger = logging.getLogger(__name__)


class FailOpenMixin:
    """A throttle whose cache (Redis) is down lets the request through rather than failing it."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache backend's connection errors
            logger.warning("throttling skipped, cache unavailable: %s", exc)
            return True


class AnonymousReadThrottle(FailOpenMixin, AnonRateThrottle):
    """Limits anonymous clients per IP (X-Forwarded-For read through NUM_PROXIES)."""

    def allow_request(self, request, view):
        if request.method not in SAFE_METHODS:
            return True  # anonymous writes are refused by permissions anyway
        return super().allow_request(request, view)


class AuthEndpointThrottle(FailOpenMixin, ScopedRateThrottle):
    """Limits credential guessing on the token endpoints, per client IP."""
