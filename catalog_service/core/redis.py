"""The process's Redis client for the request path (view counting, the product cache).

Requests must not wait on a Redis that is down: connections time out fast, and after a failure
Redis is skipped for VIEW_COUNTING_REDIS_RETRY_SECONDS while callers use their fallback.
"""

import logging
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# Failures meaning "Redis is not there". ValueError too: redis-py can fail that way while opening a
# connection under many threads (nothing was sent then).
UNAVAILABLE = (redis.RedisError, ValueError, OSError)


class _State:
    client: redis.Redis | None = None
    down_until: float = 0.0


def redis_client() -> redis.Redis:
    if _State.client is None:
        _State.client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.VIEW_COUNTING_REDIS_TIMEOUT,
            # Generous on purpose: a reply that times out leaves it unknown whether Redis
            # applied the command, and redoing it elsewhere could count twice.
            socket_timeout=settings.VIEW_COUNTING_REDIS_REPLY_TIMEOUT,
        )
    return _State.client


def redis_usable() -> bool:
    return bool(settings.REDIS_URL) and time.monotonic() >= _State.down_until


def redis_failed(exc: Exception) -> None:
    """Skips Redis for a while so every request does not wait for its timeout."""
    _State.down_until = time.monotonic() + settings.VIEW_COUNTING_REDIS_RETRY_SECONDS
    logger.warning("Redis unavailable, using the fallback: %s", exc)


def redis_reset() -> None:
    """Forget the client and any failure (after settings change, in tests)."""
    _State.client, _State.down_until = None, 0.0
