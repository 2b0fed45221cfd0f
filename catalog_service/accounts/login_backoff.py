"""Backoff on password guessing per username, across every client address and process.

Each login attempt on a username is counted *before* its password is checked, so a burst of
parallel guesses cannot all pass the check; a successful login clears the count. From the
LOGIN_FAILURES_ALLOWED-th attempt on, each attempt locks the username for
LOGIN_BACKOFF_BASE_SECONDS, doubling with each further attempt up to LOGIN_BACKOFF_MAX_SECONDS.
Attempts while locked are refused without checking the password and do not lengthen the lock:
the low cap bounds how long someone guessing can keep the real owner out. The count is forgotten
LOGIN_FAILURES_FORGET_SECONDS after the last attempt.

The username is normalised as the database compares usernames (unique ignoring case), so
`Admin`, `ADMIN` and ` admin ` share one count.

With REDIS_URL: one Lua call on the process's client, shared by every process. Otherwise the
Django cache (per process with the embedded setup's local-memory cache). A store that cannot
answer refuses the login (503): failing open would let unlimited guesses through.
"""

import hashlib
import logging
import math
import time
import unicodedata

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled

from catalog_service.core.redis import redis_client, redis_guard, redis_usable
from catalog_service.core.throttling import AuthThrottleUnavailable

logger = logging.getLogger(__name__)

# KEYS: the attempt count, the lock. ARGV: attempts allowed, base and cap of the lock (ms), how
# long the count is kept (s). Returns the lock's remaining ms if locked (attempt refused), else 0.
_ATTEMPT = """
local locked = redis.call('PTTL', KEYS[2])
if locked > 0 then return locked end
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local over = count - tonumber(ARGV[1])
if over >= 0 then
  local ms = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ math.min(over, 40))
  redis.call('SET', KEYS[2], '1', 'PX', math.max(1, math.floor(ms)))
end
return 0
"""


class LoginLocked(Throttled):
    default_code = "throttled"

    def __init__(self, seconds: float):
        seconds = max(1, math.ceil(seconds))
        super().__init__(
            detail=f"Too many failed logins for this username; try again in {seconds} s."
        )
        self.wait = seconds  # Retry-After (set after: DRF would append its own sentence)


def normalised(username: str) -> str:
    return unicodedata.normalize("NFKC", str(username)).strip().lower()


def keys(username: str) -> tuple[str, str]:
    """The Redis keys of a username's count and lock (hashed: any length, any characters)."""
    digest = hashlib.sha256(normalised(username).encode()).hexdigest()
    # One hash tag: both keys live on the same node of a Redis cluster.
    return f"catalog:login:{{{digest}}}:attempts", f"catalog:login:{{{digest}}}:lock"


def _lock_seconds(over: int) -> float:
    return min(
        settings.LOGIN_BACKOFF_MAX_SECONDS, settings.LOGIN_BACKOFF_BASE_SECONDS * 2 ** min(over, 40)
    )


def _attempt_in_cache(count_key: str, lock_key: str) -> float:
    """The same as _ATTEMPT with the Django cache; not atomic across processes, which the
    embedded setup (one process, local-memory cache) does not need."""
    now = time.time()
    locked_until = cache.get(lock_key)
    if locked_until and locked_until > now:
        return locked_until - now
    forget = int(settings.LOGIN_FAILURES_FORGET_SECONDS)
    cache.add(count_key, 0, forget)
    count = cache.incr(count_key)
    cache.touch(count_key, forget)
    over = count - settings.LOGIN_FAILURES_ALLOWED
    if over >= 0:
        seconds = _lock_seconds(over)
        cache.set(lock_key, now + seconds, math.ceil(seconds))
    return 0.0


def attempt(username: str) -> None:
    """Counts a login attempt on `username`. Raises LoginLocked (429) while the username is
    locked, AuthThrottleUnavailable (503) when the count cannot be kept."""
    count_key, lock_key = keys(username)
    if not settings.REDIS_URL:
        locked = _attempt_in_cache(count_key, lock_key)
    elif not redis_usable():
        raise AuthThrottleUnavailable()
    else:
        with redis_guard() as failed:
            locked_ms = redis_client().eval(
                _ATTEMPT,
                2,
                count_key,
                lock_key,
                settings.LOGIN_FAILURES_ALLOWED,
                int(settings.LOGIN_BACKOFF_BASE_SECONDS * 1000),
                int(settings.LOGIN_BACKOFF_MAX_SECONDS * 1000),
                int(settings.LOGIN_FAILURES_FORGET_SECONDS),
            )
        if failed:
            raise AuthThrottleUnavailable() from failed.exc
        locked = locked_ms / 1000
    if locked > 0:
        raise LoginLocked(locked)


def succeeded(username: str) -> None:
    """The password was right: the username starts afresh."""
    count_key, lock_key = keys(username)
    if not settings.REDIS_URL:
        cache.delete_many([count_key, lock_key])
        return
    # If Redis is down the login itself was checked; the count just ends with its own expiry.
    with redis_guard():
        redis_client().delete(count_key, lock_key)
