import logging
import math
import uuid

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle

from .exceptions import ServiceUnavailableError
from .permissions import is_anonymous
from .redis import UNAVAILABLE, redis_client, redis_guard, redis_usable

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
        with redis_guard() as failed:  # the next requests skip Redis instead of waiting for it
            count = redis_client().eval(_WINDOW_COUNT, 1, key, int(self.duration) + 1)
        if failed:
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

    def get_cache_key(self, request, view):
        if not is_anonymous(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    @classmethod
    def mark_checked(cls, request) -> None:
        """The request was counted by a view that answers before DRF: not counted twice."""
        setattr(request, cls._CHECKED, True)


class AuthThrottleUnavailable(ServiceUnavailableError):
    """The store that limits credential guessing cannot answer: the attempt is refused."""

    default_detail = "Authentication is unavailable for a moment; try again shortly."

    def __init__(self):
        super().__init__()
        # Redis is retried after this long (core.redis); a request before it would fail again.
        self.wait = max(1, math.ceil(settings.VIEW_COUNTING_REDIS_RETRY_SECONDS))


# One client's request times (ms, Redis's clock) in the last window, as a sorted set. Returns 0
# when the request is let through (and logged), else the ms until the oldest leaves the window.
_SLIDING_LOG = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""


class RedisSlidingLogThrottle(SimpleRateThrottle):
    """DRF's sliding log (every request time in the window), kept in one Lua call on the main
    Redis instead of a pickled list read and written back through the Django cache: that get and
    set let a burst of parallel requests all read the same history and all pass. Known-down
    Redis is refused at once (AuthThrottleUnavailable); without REDIS_URL, DRF's own way."""

    def allow_request(self, request, view):
        if self.rate is None or not settings.REDIS_URL:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        if not redis_usable():
            raise AuthThrottleUnavailable()  # no waiting for a connection timeout
        with redis_guard() as failed:  # the next requests are refused without waiting for it
            wait_ms = redis_client().eval(
                _SLIDING_LOG,
                1,
                f"catalog:auth-throttle:{self.key}",
                int(self.duration * 1000),
                self.num_requests,
                uuid.uuid4().hex,
            )
        if failed:
            raise AuthThrottleUnavailable() from failed.exc
        if not wait_ms:
            return True
        self.retry_after = wait_ms / 1000
        return False

    def wait(self):
        retry_after = getattr(self, "retry_after", None)
        return retry_after if retry_after is not None else super().wait()


class FailClosedMixin:
    """A throttle guarding credentials refuses the request (503) when its store cannot count it:
    letting it through would allow unlimited guesses while Redis is down."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except UNAVAILABLE as exc:  # Redis's, or the Django cache backend's, connection errors
            logger.warning("credential throttling unavailable, refusing: %s", exc)
            raise AuthThrottleUnavailable() from exc


class AuthEndpointThrottle(FailClosedMixin, ScopedRateThrottle, RedisSlidingLogThrottle):
    """Limits credential guessing on the token endpoints, per client IP. (ScopedRateThrottle
    picks the rate, then hands over to the sliding log.)"""


class _AuthScope:
    throttle_scope = "auth"


class AdminLoginThrottle(AuthEndpointThrottle):
    """The Django admin's login attempts, per client IP, in the token endpoints' budget: both
    check the same passwords."""

    def allow_request(self, request, view=None):
        return super().allow_request(request, _AuthScope)
