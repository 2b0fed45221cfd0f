"""The anonymous representation of each product, cached in Redis, never stale after a write.

Writers store the fresh representation when their transaction commits (unconditionally), and a
deleted product leaves a tombstone; readers that miss fill the cache only if the key is absent
(SET NX). So a reader holding a row read before a commit can never overwrite what the commit
stored. Entries also expire after PRODUCT_CACHE_SECONDS.

Entries live under a generation. A change that alters how many products are shown (a brand
renamed, a category renamed or moved: their names are in every product below them) starts a
new one, a single command whatever the number of products: the next reads miss and refill
from the database. A reader fills under the generation it read before querying, so a row read
before such a change is never stored where later readers look. A write-through that cannot
reach Redis is recorded in the database, and `repair` (every PRODUCT_CACHE_REPAIR_SECONDS)
starts a new generation once Redis answers again.

Whole list pages are cached too, under the catalog's version: every write-through also increments
the version (after storing its entries, in the same script) and drops the previous version's
pages. A reader takes the version before it queries the database, so a page built from rows
read before a commit is stored under a version no later reader asks for. A version holds at
most PRODUCT_CACHE_MAX_PAGES pages and expires PRODUCT_CACHE_SECONDS after its first page,
whatever clients ask for: storing a page never extends it.

The cache lives on CACHE_REDIS_URL (or REDIS_URL): see core.redis.
"""

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from catalog_service.categories.selectors import with_category_paths
from catalog_service.core.conditional import etag_for
from catalog_service.core.redis import (
    cache_redis_url,
    redis_client,
    redis_guard,
    redis_usable,
)
from catalog_service.core.renderers import json_bytes

from .models import Product, ProductCacheRepair
from .selectors import product_list, products_by_id
from .serializers import ProductSerializer
from .signals import in_bulk

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
# Entries live under the current generation: `<namespace>e<generation>:<id>`. A change that
# alters how many products are shown (a brand renamed, a category renamed or moved) starts a
# new generation, one command whatever their number; the old entries are never read again and
# expire. The scripts build the keys from the generation they read.
_GENERATION_KEY = f"{_NAMESPACE}generation"
_ENTRY_PREFIX = f"{_NAMESPACE}e"


def _configured() -> bool:
    return settings.PRODUCT_CACHE_SECONDS > 0 and bool(cache_redis_url())


def enabled() -> bool:
    """Configured, and Redis not marked down: reads may use the cache."""
    return _configured() and redis_usable(cache=True)


def _key(product_id, generation: bytes | str) -> str:
    if isinstance(generation, bytes):
        generation = generation.decode()
    return f"{_ENTRY_PREFIX}{generation}:{product_id}"


def generation() -> bytes:
    """The current generation (raises one of UNAVAILABLE when Redis cannot be reached)."""
    return redis_client(cache=True).get(_GENERATION_KEY) or b"0"


def representation(product: Product) -> bytes:
    """The product's anonymous representation, as JSON."""
    return json_bytes(_REPRESENTATION.to_representation(product))


def entry(product: Product) -> bytes:
    """What is cached: the ETag, a newline, then the JSON body."""
    return etag_for(product).encode() + _SEPARATOR + representation(product)


def split(value: bytes) -> tuple[str, bytes]:
    etag, _, body = value.partition(_SEPARATOR)
    return etag.decode(), body


# Read the entry of the current generation and, only if it is a live product, add one to a
# counter: one round trip. KEYS = generation, counter hash; ARGV = entry prefix, product id,
# counter field ('' for none), tombstone. Returns {generation, entry or nothing}.
_READ_AND_COUNT = """
local generation = redis.call('GET', KEYS[1]) or '0'
local value = redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])
if value and value ~= ARGV[4] and ARGV[3] ~= '' then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
end
return {generation, value}
"""


def read(product_id, counter: tuple[str, str] | None = None) -> tuple[bytes, bytes | None]:
    """(generation, the cached entry or None). With `counter` (hash key, field), a hit also
    counts in Redis. A miss is filled under that generation (fill).

    Raises one of UNAVAILABLE when Redis cannot be reached.
    """
    hash_key, field = counter or (_GENERATION_KEY, "")
    reply = redis_client(cache=True).eval(
        _READ_AND_COUNT, 2, _GENERATION_KEY, hash_key, _ENTRY_PREFIX, product_id, field, TOMBSTONE
    )
    return reply[0], reply[1] if len(reply) > 1 else None


# Read several entries and, with a counter, count an impression of each live one, in one call:
# KEYS = generation, counter hash; ARGV = entry prefix, field prefix, field suffix, tombstone,
# product ids... Returns {generation, entries}.
_READ_MANY_AND_COUNT = """
local generation = redis.call('GET', KEYS[1]) or '0'
local keys = {}
for i = 5, #ARGV do
  keys[i - 4] = ARGV[1] .. generation .. ':' .. ARGV[i]
end
local values = redis.call('MGET', unpack(keys))
if ARGV[2] ~= '' then
  for i, value in ipairs(values) do
    if value and value ~= ARGV[4] then
      redis.call('HINCRBY', KEYS[2], ARGV[2] .. ARGV[i + 4] .. ARGV[3], 1)
    end
  end
end
return {generation, values}
"""


def read_many(
    product_ids: list[int], counter: tuple[str, str, str] | None = None
) -> tuple[bytes, list[bytes | None]]:
    """(generation, the cached entries of several products, in order), in one round trip. With
    `counter` (hash key, field prefix, field suffix) each hit also counts an impression."""
    hash_key, prefix, suffix = counter or (_GENERATION_KEY, "", "")
    generation, values = redis_client(cache=True).eval(
        _READ_MANY_AND_COUNT,
        2,
        _GENERATION_KEY,
        hash_key,
        _ENTRY_PREFIX,
        prefix,
        suffix,
        TOMBSTONE,
        *product_ids,
    )
    return generation, values


def entries(products: list[Product]) -> dict[int, bytes]:
    """{id: entry} of several products, their category paths read at once."""
    return {product.pk: entry(product) for product in with_category_paths(products)}


def rows(
    product_ids: list[int], counter: tuple[str, str, str] | None = None
) -> tuple[list[int], list[bytes], list[int]]:
    """(ids, bodies, not counted) of the products still there, in order. The bodies come from the
    cache, the misses from one query that also fills them; with `counter` the hits are counted
    in the same round trip and only the misses are left to count.
    Raises one of UNAVAILABLE when Redis cannot be reached."""
    if not product_ids:
        return [], [], []
    generation, cached = read_many(product_ids, counter)
    missing = [pk for pk, value in zip(product_ids, cached, strict=True) if value in _ABSENT]
    fresh = {}
    if missing:
        fresh = entries(products_by_id(missing))
        fill(*fresh.items(), generation=generation)
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


def fill(*read: tuple[int, bytes], generation: bytes | None = None) -> None:
    """After misses: store what this reader read, under the generation it read before querying
    the database (by default the current one), unless a writer stored something since."""
    with redis_guard(cache=True):
        client = redis_client(cache=True)
        generation = generation or client.get(_GENERATION_KEY) or b"0"
        pipe = client.pipeline(transaction=False)
        for product_id, value in read:
            key = _key(product_id, generation)
            pipe.set(key, value, ex=settings.PRODUCT_CACHE_SECONDS, nx=True)
        pipe.execute()


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

# Store entries under the current generation (KEYS[1]), then start a new page version
# (KEYS[2]): the previous version's pages can no longer be asked for. ARGV = entry prefix,
# seconds to keep, pages prefix, then id and entry pairs.
_WRITE_THROUGH = """
local generation = redis.call('GET', KEYS[1]) or '0'
for i = 4, #ARGV, 2 do
  redis.call('SET', ARGV[1] .. generation .. ':' .. ARGV[i], ARGV[i + 1], 'EX', ARGV[2])
end
local version = redis.call('INCR', KEYS[2])
redis.call('UNLINK', ARGV[3] .. (version - 1))
return version
"""

# A new generation (every entry is read anew) and a new page version.
_NEW_GENERATION = """
redis.call('INCR', KEYS[1])
local version = redis.call('INCR', KEYS[2])
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
    with redis_guard(cache=True):
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


def warm(*, chunk_size: int = 2000) -> int:
    """Fills the entry of every product that has none (SET NX: never over a fresher one).

    For a cache that was emptied (a new Redis, a new key version), so the first readers do not
    all fall through to the database at once. Returns the number of products read.
    """
    start = generation()
    read = 0
    chunk: list[Product] = []
    for product in product_list().iterator(chunk_size=chunk_size):
        chunk.append(product)
        if len(chunk) == chunk_size:
            fill(*entries(chunk).items(), generation=start)
            read, chunk = read + len(chunk), []
    if chunk:
        fill(*entries(chunk).items(), generation=start)
    return read + len(chunk)


# Recorded for `repair` when a change to every product's representation could not reach Redis.
EVERY_PRODUCT = 0


def _store(values: dict[int, bytes] | None) -> None:
    """The write-through, after commit: the products' fresh entries, or (None) a new generation.
    If Redis cannot take it, the change is recorded for `repair`: the old copies (and the old
    version's pages) must not outlive the outage."""
    if redis_usable(cache=True):
        with redis_guard(cache=True) as failed:
            client = redis_client(cache=True)
            if values is None:
                client.eval(_NEW_GENERATION, 2, _GENERATION_KEY, _VERSION_KEY, _PAGES_PREFIX)
            else:
                pairs = [item for pair in values.items() for item in pair]
                client.eval(
                    _WRITE_THROUGH,
                    2,
                    _GENERATION_KEY,
                    _VERSION_KEY,
                    _ENTRY_PREFIX,
                    settings.PRODUCT_CACHE_SECONDS,
                    _PAGES_PREFIX,
                    *pairs,
                )
        if not failed:
            return
    ProductCacheRepair.objects.bulk_create(
        [ProductCacheRepair(product_id=product_id) for product_id in values or [EVERY_PRODUCT]],
        ignore_conflicts=True,
    )


def repair() -> int:
    """Starts a new generation when write-throughs failed: every copy that could be older than
    a write made during the outage is dropped at once (readers refill from the database, SET
    NX), with the pages. Dropping, not storing: a copy read here could be older than a write
    that commits meanwhile.

    Returns the number of records repaired. Raises one of UNAVAILABLE while Redis is down (the
    records stay for the next run).
    """
    pending = list(ProductCacheRepair.objects.values_list("id", flat=True))
    if pending:
        redis_client(cache=True).eval(
            _NEW_GENERATION, 2, _GENERATION_KEY, _VERSION_KEY, _PAGES_PREFIX
        )
        ProductCacheRepair.objects.filter(id__in=pending).delete()
    return len(pending)


def store_after_commit(products: Iterable[Product]) -> None:
    if _configured():
        values = {product.pk: entry(product) for product in products}
        transaction.on_commit(lambda: _store(values))


def tombstone_after_commit(product_id: int) -> None:
    if _configured():
        transaction.on_commit(lambda: _store({product_id: TOMBSTONE}))


def on_product_changed(sender, *, product, action, **kwargs) -> None:
    if in_bulk():
        return  # the bulk writer starts a new generation at each commit (changes_in_bulk)
    if action == "deleted":
        tombstone_after_commit(product.pk)
    else:
        store_after_commit([product])


def every_product_after_commit() -> None:
    """A change to how many products are shown (a brand renamed, a category renamed or moved):
    a new generation at commit, whatever their number."""
    if _configured():
        transaction.on_commit(lambda: _store(None))


def on_category_changed(sender, *, category, action, changes, **kwargs) -> None:
    """A category renamed or moved changes the path shown by every product below it."""
    if action == "updated":
        every_product_after_commit()
