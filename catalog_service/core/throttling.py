import logging

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from .redis import UNAVAILABLE, redis_client, redis_failed, redis_usable

logger = logging.getLogger(__name__)

# One client's requests in the current window; the key expires with the window.
_WINDOW_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class FailOpenMixin:
    """A throttle whose cache (Redis) is down lets the request through rather than failing it."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache backend's connection errors
            logger.warning("throttling skipped, cache unavailable: %s", exc)
            return True


class RedisWindowMixin:
    """Counts a client's requests in fixed windows, with one Lua call on the shared Redis client.

    DRF's throttles keep each client's list of request times in the cache: a GET and a SET of
    the pickled list on every request, which cost a third of a cached product read. A fixed
    window can let through up to twice the rate across a window's edge; for read traffic that is
    acceptable. Without Redis (the embedded setup), DRF's own way, on the local cache.
    """

    def allow_request(self, request, view):
        if self.rate is None or not settings.REDIS_URL:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None or not redis_usable():
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"catalog:throttle:{self.key}:{window}"
        try:
            count = redis_client().eval(_WINDOW_COUNT, 1, key, int(self.duration) + 1)
        except UNAVAILABLE as exc:
            redis_failed(exc)  # the next requests skip Redis instead of waiting for it
            return True
        if count <= self.num_requests:
            return True
        self.retry_after = (window + 1) * self.duration - now
        return False

    def wait(self):
        retry_after = getattr(self, "retry_after", None)
        return retry_after if retry_after is not None else super().wait()


class AnonymousReadThrottle(FailOpenMixin, RedisWindowMixin, AnonRateThrottle):
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
