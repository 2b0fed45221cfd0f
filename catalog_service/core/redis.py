"""The process's Redis clients for the request path: the main Redis (view counts, throttles) and
the cache's (the product cache), which may be the same server.

They are separate servers in production because their memory policies differ: the cache may be
evicted (`allkeys-lru`), counts and throttle windows may not (`noeviction`), and a cache that
fills up must never stop counting, throttling or the broker. CACHE_REDIS_URL names the cache's
server; unset, the cache shares REDIS_URL.

Requests must not wait on a Redis that is down: connections time out fast, and after a failure
that server is skipped for VIEW_COUNTING_REDIS_RETRY_SECONDS while callers use their fallback.
"""

import logging
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# Failures meaning "Redis is not there". ValueError too: redis-py can fail that way while opening a
# connection under many threads (nothing was sent then).
UNAVAILABLE = (redis.RedisError, ValueError, OSError)


class _Server:
    def __init__(self):
        self.url = ""
        self.client: redis.Redis | None = None
        self.down_until = 0.0


_servers: dict[str, _Server] = {}


def cache_redis_url() -> str:
    return settings.CACHE_REDIS_URL or settings.REDIS_URL


def _server(cache: bool) -> _Server:
    """One state per URL: when the cache shares the main Redis, a failure of one is the other's."""
    url = cache_redis_url() if cache else settings.REDIS_URL
    server = _servers.get(url)
    if server is None:
        server = _servers[url] = _Server()
        server.url = url
    return server


def redis_client(*, cache: bool = False) -> redis.Redis:
    server = _server(cache)
    if server.client is None:
        server.client = redis.Redis.from_url(
            server.url,
            socket_connect_timeout=settings.VIEW_COUNTING_REDIS_TIMEOUT,
            # Generous on purpose: a reply that times out leaves it unknown whether Redis
            # applied the command, and redoing it elsewhere could count twice.
            socket_timeout=settings.VIEW_COUNTING_REDIS_REPLY_TIMEOUT,
        )
    return server.client


def redis_shared() -> bool:
    """The cache lives on the main Redis: one script may read the cache and count."""
    return cache_redis_url() == settings.REDIS_URL


def redis_usable(*, cache: bool = False) -> bool:
    server = _server(cache)
    return bool(server.url) and time.monotonic() >= server.down_until


def redis_failed(exc: Exception, *, cache: bool = False) -> None:
    """Skips that Redis for a while so every request does not wait for its timeout."""
    server = _server(cache)
    server.down_until = time.monotonic() + settings.VIEW_COUNTING_REDIS_RETRY_SECONDS
    logger.warning("Redis unavailable, using the fallback: %s", exc)


class redis_guard:  # lower case: used as a statement, like contextlib.suppress
    """`with redis_guard(cache=True) as failed:` runs its block; if Redis cannot be reached the
    block stops there, that Redis is skipped for a while (redis_failed) and `failed` turns true,
    so the caller takes its fallback after the block."""

    __slots__ = ("cache", "exc")

    def __init__(self, *, cache: bool = False):
        self.cache = cache
        self.exc: Exception | None = None

    def __enter__(self) -> "redis_guard":
        return self

    def __exit__(self, kind, exc, traceback) -> bool:
        if kind is None or not issubclass(kind, UNAVAILABLE):
            return False
        self.exc = exc
        redis_failed(exc, cache=self.cache)
        return True

    def __bool__(self) -> bool:
        return self.exc is not None


def redis_reset() -> None:
    """Forget the clients and any failure (after settings change, in tests)."""
    _servers.clear()
