"""The anonymous representation of each product, cached in Redis, never stale after a write.

Writers store the fresh representation when their transaction commits (unconditionally), and a
deleted product leaves a tombstone; readers that miss fill the cache only if the key is absent
(SET NX). So a reader holding a row read before a commit can never overwrite what the commit
stored. Entries expire after PRODUCT_CACHE_SECONDS, which also bounds staleness if Redis missed
a write-through while it was unreachable.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from catalog_service.core.conditional import etag_for
from catalog_service.core.redis import UNAVAILABLE, redis_client, redis_failed, redis_usable
from catalog_service.core.renderers import json_bytes

from .models import Brand, Product
from .serializers import ProductSerializer

TOMBSTONE = b"-"
_SEPARATOR = b"\n"


def _configured() -> bool:
    return settings.PRODUCT_CACHE_SECONDS > 0 and bool(settings.REDIS_URL)


def enabled() -> bool:
    """Configured, and Redis not marked down: reads may use the cache."""
    return _configured() and redis_usable()


def _key(product_id) -> str:
    return f"catalog:product:v1:{product_id}"


def entry(product: Product) -> bytes:
    """What is cached: the ETag, a newline, then the JSON body."""
    return etag_for(product).encode() + _SEPARATOR + json_bytes(ProductSerializer(product).data)


def split(value: bytes) -> tuple[str, bytes]:
    etag, _, body = value.partition(_SEPARATOR)
    return etag.decode(), body


# Read the entry and, only if it is a live product, add one to a counter: one round trip.
_READ_AND_COUNT = """
local value = redis.call('GET', KEYS[1])
if value and value ~= '-' and ARGV[1] ~= '' then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
end
return value
"""


def read(product_id, counter: tuple[str, str] | None = None) -> bytes | None:
    """The cached entry or None. With `counter` (hash key, field), a hit also counts in Redis.

    Raises one of UNAVAILABLE when Redis cannot be reached.
    """
    hash_key, field = counter or ("", "")
    keys = [_key(product_id), hash_key or _key(product_id)]
    return redis_client().eval(_READ_AND_COUNT, 2, *keys, field)


def read_many(product_ids: list[int]) -> list[bytes | None]:
    """The cached entries of several products, in order, in one round trip (MGET)."""
    if not product_ids:
        return []
    return redis_client().mget([_key(product_id) for product_id in product_ids])


def fill(*entries: tuple[int, bytes]) -> None:
    """After misses: store what this reader read, unless a writer stored something since."""
    try:
        pipe = redis_client().pipeline(transaction=False)
        for product_id, value in entries:
            pipe.set(_key(product_id), value, ex=settings.PRODUCT_CACHE_SECONDS, nx=True)
        pipe.execute()
    except UNAVAILABLE as exc:
        redis_failed(exc)


def _store(values: dict[int, bytes]) -> None:
    try:
        pipe = redis_client().pipeline(transaction=False)
        for product_id, value in values.items():
            pipe.set(_key(product_id), value, ex=settings.PRODUCT_CACHE_SECONDS)
        pipe.execute()
    except UNAVAILABLE as exc:
        redis_failed(exc)


def store_after_commit(products: Iterable[Product]) -> None:
    if _configured():
        values = {product.pk: entry(product) for product in products}
        transaction.on_commit(lambda: _store(values))


def tombstone_after_commit(product_id: int) -> None:
    if _configured():
        transaction.on_commit(lambda: _store({product_id: TOMBSTONE}))


def on_product_changed(sender, *, product, action, **kwargs) -> None:
    if action == "deleted":
        tombstone_after_commit(product.pk)
    else:
        store_after_commit([product])


def brand_products_refresh(brand: Brand) -> None:
    """A renamed brand changes the representation of each of its products."""
    if _configured():
        store_after_commit(brand.products.select_related("brand").iterator(chunk_size=2000))
