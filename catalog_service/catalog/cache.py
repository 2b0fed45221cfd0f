"""The anonymous representation of each product, cached in Redis, never stale after a write.

Writers store the fresh representation when their transaction commits (unconditionally), and a
deleted product leaves a tombstone; readers that miss fill the cache only if the key is absent
(SET NX). So a reader holding a row read before a commit can never overwrite what the commit
stored. A write-through that cannot reach Redis is recorded in the database, and `repair` (every
PRODUCT_CACHE_REPAIR_SECONDS) drops those copies once Redis answers again. Entries also expire
after PRODUCT_CACHE_SECONDS.

Whole list pages are cached too, under the catalog's version: every write-through also increments
the version (after storing its entries, in the same ordered pipeline) and drops the previous
version's pages. A reader takes the version before it queries the database, so a page built
from rows read before a commit is stored under a version no later reader asks for. A version
holds at most PRODUCT_CACHE_MAX_PAGES pages and expires PRODUCT_CACHE_SECONDS after its first
page, whatever clients ask for: storing a page never extends it.

The cache lives on CACHE_REDIS_URL (or REDIS_URL): see core.redis.
"""

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from catalog_service.core.conditional import etag_for
from catalog_service.core.redis import (
    UNAVAILABLE,
    cache_redis_url,
    redis_client,
    redis_failed,
    redis_usable,
)
from catalog_service.core.renderers import json_bytes

from .models import Brand, Product, ProductCacheRepair
from .selectors import product_list, products_by_id
from .serializers import ProductSerializer

# The markers inside cached values; the Lua scripts take them as arguments, never as literals.
TOMBSTONE = b"-"  # a deleted product
_SEPARATOR = b"\n"  # between the ETag (or a page's ids) and the JSON body
_ABSENT = (None, TOMBSTONE)
# Raise it when the representation changes in a way its field names do not show (a format).
REPRESENTATION_VERSION = 1
# One serializer for the process: its fields are built once, not on every entry.
_REPRESENTATION = ProductSerializer()


def representation_shape(serializer) -> str:
    """A short digest of the representation's field names, nested ones included, and of
    REPRESENTATION_VERSION: the cache's namespace. A deploy that changes what a product looks like
    reads and writes other keys, so neither it nor the replicas still running the old code ever
    serve the other's shape."""

    def names(fields) -> list:
        return [
            (name, names(field.fields) if hasattr(field, "fields") else None)
            for name, field in fields.items()
        ]

    raw = repr((REPRESENTATION_VERSION, names(serializer.fields)))
    return hashlib.blake2b(raw.encode(), digest_size=4).hexdigest()


_NAMESPACE = f"catalog:product:{representation_shape(_REPRESENTATION)}:"
_VERSION_KEY = f"{_NAMESPACE}version"
_PAGES_PREFIX = f"{_NAMESPACE}pages:"


def _configured() -> bool:
    return settings.PRODUCT_CACHE_SECONDS > 0 and bool(cache_redis_url())


def enabled() -> bool:
    """Configured, and Redis not marked down: reads may use the cache."""
    return _configured() and redis_usable(cache=True)


def _key(product_id) -> str:
    return f"{_NAMESPACE}{product_id}"


def entry(product: Product) -> bytes:
    """What is cached: the ETag, a newline, then the JSON body."""
    return (
        etag_for(product).encode()
        + _SEPARATOR
        + json_bytes(_REPRESENTATION.to_representation(product))
    )


def split(value: bytes) -> tuple[str, bytes]:
    etag, _, body = value.partition(_SEPARATOR)
    return etag.decode(), body


# Read the entry and, only if it is a live product, add one to a counter: one round trip.
_READ_AND_COUNT = """
local value = redis.call('GET', KEYS[1])
if value and value ~= ARGV[2] and ARGV[1] ~= '' then
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
    return redis_client(cache=True).eval(_READ_AND_COUNT, 2, *keys, field, TOMBSTONE)


# Read several entries and, with a counter, count an impression of each live one, in one call:
# KEYS = counter hash, entries...; ARGV = field prefix, field suffix, tombstone, product ids...
_READ_MANY_AND_COUNT = """
local values = redis.call('MGET', unpack(KEYS, 2))
if ARGV[1] ~= '' then
  for i, value in ipairs(values) do
    if value and value ~= ARGV[3] then
      redis.call('HINCRBY', KEYS[1], ARGV[1] .. ARGV[i + 3] .. ARGV[2], 1)
    end
  end
end
return values
"""


def read_many(
    product_ids: list[int], counter: tuple[str, str, str] | None = None
) -> list[bytes | None]:
    """The cached entries of several products, in order, in one round trip. With `counter`
    (hash key, field prefix, field suffix) each hit also counts an impression."""
    if not product_ids:
        return []
    hash_key, prefix, suffix = counter or (_VERSION_KEY, "", "")
    keys = [hash_key, *(_key(product_id) for product_id in product_ids)]
    return redis_client(cache=True).eval(
        _READ_MANY_AND_COUNT, len(keys), *keys, prefix, suffix, TOMBSTONE, *product_ids
    )


def rows(
    product_ids: list[int], counter: tuple[str, str, str] | None = None
) -> tuple[list[int], list[bytes], list[int]]:
    """(ids, bodies, not counted) of the products still there, in order. The bodies come from the
    cache, the misses from one query that also fills them; with `counter` the hits are counted
    in the same round trip and only the misses are left to count.
    Raises one of UNAVAILABLE when Redis cannot be reached."""
    cached = read_many(product_ids, counter)
    missing = [pk for pk, value in zip(product_ids, cached, strict=True) if value in _ABSENT]
    fresh = {}
    if missing:
        fresh = {product.pk: entry(product) for product in products_by_id(missing)}
        fill(*fresh.items())
    shown, bodies = [], []
    for pk, value in zip(product_ids, cached, strict=True):
        value = fresh.get(pk) if value in _ABSENT else value
        if value is not None:  # a product deleted since its id was read is left out
            shown.append(pk)
            bodies.append(split(value)[1])
    uncounted = [pk for pk in shown if pk in fresh] if counter else shown
    return shown, bodies, uncounted


def page_body(envelope: dict, bodies: list[bytes]) -> bytes:
    """The page's JSON: the envelope (count, next, previous) with the cached bodies as results."""
    head = json_bytes(envelope)
    return head[:-1] + (b',"results":[' if envelope else b'"results":[') + b",".join(bodies) + b"]}"


def fill(*entries: tuple[int, bytes]) -> None:
    """After misses: store what this reader read, unless a writer stored something since."""
    try:
        pipe = redis_client(cache=True).pipeline(transaction=False)
        for product_id, value in entries:
            pipe.set(_key(product_id), value, ex=settings.PRODUCT_CACHE_SECONDS, nx=True)
        pipe.execute()
    except UNAVAILABLE as exc:
        redis_failed(exc, cache=True)


# Read the page cached under the current version and, on a hit, count an impression of each of
# its products (ARGV[3] .. id .. ARGV[4] is the counter field; ARGV[5] ends the ids). A miss
# returns the version only.
_READ_PAGE = """
local version = redis.call('GET', KEYS[1]) or '0'
local page = redis.call('HGET', ARGV[1] .. version, ARGV[2])
if not page then return {version} end
if ARGV[3] ~= '' then
  local ids = string.sub(page, 1, string.find(page, ARGV[5], 1, true) - 1)
  for id in string.gmatch(ids, '%d+') do
    redis.call('HINCRBY', KEYS[2], ARGV[3] .. id .. ARGV[4], 1)
  end
end
return {version, page}
"""

# A new version; the previous version's pages can no longer be asked for.
_NEW_VERSION = """
local version = redis.call('INCR', KEYS[1])
redis.call('UNLINK', ARGV[1] .. (version - 1))
return version
"""


def page_read(
    page_key: str, counter: tuple[str, str, str] | None = None
) -> tuple[bytes, list[int] | None, bytes | None]:
    """(version, product ids, body) of the cached page, or (version, None, None) on a miss.

    With `counter` (hash key, field prefix, field suffix), a hit also counts its impressions.
    Raises one of UNAVAILABLE when Redis cannot be reached.
    """
    hash_key, prefix, suffix = counter or (_VERSION_KEY, "", "")
    reply = redis_client(cache=True).eval(
        _READ_PAGE, 2, _VERSION_KEY, hash_key, _PAGES_PREFIX, page_key, prefix, suffix, _SEPARATOR
    )
    if len(reply) < 2:
        return reply[0], None, None
    ids, _, body = reply[1].partition(_SEPARATOR)
    return reply[0], [int(pk) for pk in ids.split(b",") if pk], body


# Store a page under its version while that version is current and holds fewer than ARGV[5]
# pages; the version's pages expire ARGV[6] seconds after the first one, never later.
_STORE_PAGE = """
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[2] then return 0 end
local pages = ARGV[1] .. ARGV[2]
if redis.call('HLEN', pages) >= tonumber(ARGV[5]) then return 0 end
redis.call('HSET', pages, ARGV[3], ARGV[4])
if redis.call('TTL', pages) < 0 then redis.call('EXPIRE', pages, ARGV[6]) end
return 1
"""


def page_store(version: bytes, page_key: str, product_ids: list[int], body: bytes) -> None:
    """Caches a page built after `version` was read (so never older than that version)."""
    value = ",".join(map(str, product_ids)).encode() + _SEPARATOR + body
    try:
        redis_client(cache=True).eval(
            _STORE_PAGE,
            1,
            _VERSION_KEY,
            _PAGES_PREFIX,
            version,
            page_key,
            value,
            settings.PRODUCT_CACHE_MAX_PAGES,
            settings.PRODUCT_CACHE_SECONDS,
        )
    except UNAVAILABLE as exc:
        redis_failed(exc, cache=True)


def warm(*, chunk_size: int = 2000) -> int:
    """Fills the entry of every product that has none (SET NX: never over a fresher one).

    For a cache that was emptied (a new Redis, a new key version), so the first readers do not
    all fall through to the database at once. Returns the number of products read.
    """
    read = 0
    chunk: list[tuple[int, bytes]] = []
    for product in product_list().iterator(chunk_size=chunk_size):
        chunk.append((product.pk, entry(product)))
        if len(chunk) == chunk_size:
            fill(*chunk)
            read, chunk = read + len(chunk), []
    if chunk:
        fill(*chunk)
    return read + len(chunk)


def _store(values: dict[int, bytes]) -> None:
    """The write-through, after commit. If Redis cannot take it, the products are recorded for
    `repair`: their old copies (and the old version's pages) must not outlive the outage."""
    if redis_usable(cache=True):
        try:
            pipe = redis_client(cache=True).pipeline(transaction=False)
            for product_id, value in values.items():
                pipe.set(_key(product_id), value, ex=settings.PRODUCT_CACHE_SECONDS)
            pipe.eval(_NEW_VERSION, 1, _VERSION_KEY, _PAGES_PREFIX)
            pipe.execute()
            return
        except UNAVAILABLE as exc:
            redis_failed(exc, cache=True)
    ProductCacheRepair.objects.bulk_create(
        [ProductCacheRepair(product_id=product_id) for product_id in values],
        ignore_conflicts=True,
    )


def repair(*, batch_size: int = 5000) -> int:
    """Drops the cached copies of products whose write-through failed, and starts a new version
    (the pages). Dropping, not storing: a copy read here could be older than a write that
    commits meanwhile; after a drop, readers refill from the database (SET NX).

    Returns the number of products repaired. Raises one of UNAVAILABLE while Redis is down (the
    records stay for the next run).
    """
    pending = list(ProductCacheRepair.objects.order_by("id").values_list("id", "product_id"))
    repaired = 0
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        pipe = redis_client(cache=True).pipeline(transaction=False)
        pipe.delete(*(_key(product_id) for _, product_id in batch))
        pipe.eval(_NEW_VERSION, 1, _VERSION_KEY, _PAGES_PREFIX)
        pipe.execute()
        ProductCacheRepair.objects.filter(id__in=[record_id for record_id, _ in batch]).delete()
        repaired += len(batch)
    return repaired


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
