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

    _CHECKED = "anonymous_read_throttle_checked"

    def allow_request(self, request, view):
        if request.method not in SAFE_METHODS or getattr(request, self._CHECKED, False):
            return True  # anonymous writes are refused by permissions anyway
        return super().allow_request(request, view)

    @classmethod
    def mark_checked(cls, request) -> None:
        """The request was counted by a view that answers before DRF: not counted twice."""
        setattr(request, cls._CHECKED, True)


class AuthEndpointThrottle(FailOpenMixin, ScopedRateThrottle):
    """Limits credential guessing on the token endpoints, per client IP."""
