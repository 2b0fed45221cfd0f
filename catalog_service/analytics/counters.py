"""Exact counting of anonymous product reads, in one of two modes behind one interface.

database  one atomic upsert per request into the daily counter (no read-modify-write in Python);
redis     one HINCRBY round trip per request; `counts_flush` moves the counts into the database.
off       nothing is counted (used only to measure what counting costs).

If Redis cannot be reached a read is counted in the database instead: nothing is lost.
"""

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from catalog_service.core.redis import redis_client, redis_guard, redis_usable

from .models import AppliedCountBatch, ProductDailyViews

VIEW, IMPRESSION = "v", "i"
# (product_id, day, kind) -> count
Counts = Counter[tuple[int, date, str]]


def today() -> date:
    return datetime.now(UTC).date()


# --- database ---------------------------------------------------------------------------------

_table = ProductDailyViews._meta.db_table
# Only the table name (ours) is formatted in; every value is a query parameter.
_UPSERT = (
    f"INSERT INTO {_table} (product_id, day, views, impressions) VALUES {{values}} "  # noqa: S608
    f"ON CONFLICT (product_id, day) DO UPDATE SET "
    f"views = {_table}.views + excluded.views, "
    f"impressions = {_table}.impressions + excluded.impressions"
)


# Rows per statement: PostgreSQL takes at most 65,535 bound parameters (4 per row) in one.
UPSERT_ROWS_MAX = 10_000


def counts_upsert(counts: Counts) -> None:
    """Adds `counts` to the daily rows, rows in a fixed order (no deadlocks), in statements of at
    most UPSERT_ROWS_MAX rows. Call it in a transaction to apply all of them or none."""
    rows: dict[tuple[int, date], list[int]] = {}
    for (product_id, day, kind), n in counts.items():
        row = rows.setdefault((product_id, day), [0, 0])
        row[0 if kind == VIEW else 1] += n
    ordered = sorted(rows.items())
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), UPSERT_ROWS_MAX):
            chunk = ordered[start : start + UPSERT_ROWS_MAX]
            params = [
                value
                for (product_id, day), (views, impressions) in chunk
                for value in (product_id, day, views, impressions)
            ]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(_UPSERT.format(values=values), params)


# --- redis ------------------------------------------------------------------------------------

_PREFIX = "{catalog-views}"  # one hash tag: every key lands on the same Redis Cluster slot
LIVE_KEY = f"{_PREFIX}:live"
BATCHES_KEY = f"{_PREFIX}:batches"


def batch_key(batch_id: str) -> str:
    return f"{_PREFIX}:batch:{batch_id}"


def _field(product_id: int, day: date, kind: str) -> str:
    return f"{day.isoformat()}:{product_id}:{kind}"


def _parse_field(field: bytes) -> tuple[int, date, str]:
    day, product_id, kind = field.decode().split(":")
    return int(product_id), date.fromisoformat(day), kind


def view_counter(product_id: int) -> tuple[str, str]:
    """(hash key, field) that counts one view of the product today, for callers that batch it."""
    return LIVE_KEY, _field(int(product_id), today(), VIEW)


def impression_counter() -> tuple[str, str, str]:
    """(hash key, field prefix, field suffix): prefix + product id + suffix counts an impression
    of that product today, for callers that count inside Redis."""
    prefix, suffix = _field(0, today(), IMPRESSION).split(":0:")
    return LIVE_KEY, f"{prefix}:", f":{suffix}"


def counts_to_pipeline(pipe, counts: Counts) -> None:
    """Adds the increments to a Redis pipeline (so a caller can share its round trip)."""
    for key, n in counts.items():
        pipe.hincrby(LIVE_KEY, _field(*key), n)


def _redis_increment(counts: Counts) -> bool:
    """One round trip; False when Redis is unreachable (then the caller counts elsewhere)."""
    if not redis_usable():
        return False
    with redis_guard() as failed:
        pipe = redis_client().pipeline(transaction=False)
        counts_to_pipeline(pipe, counts)
        pipe.execute()
    return not failed


# --- the interface ------------------------------------------------------------------------------


def reads_counts(product_ids: Iterable[int], kind: str) -> Counts:
    day = today()
    return Counter((int(pid), day, kind) for pid in product_ids)


def product_reads_record(*, product_ids: Iterable[int], kind: str) -> None:
    """Counts one read of each product (`kind`: VIEW for a detail, IMPRESSION for a list row)."""
    mode = settings.VIEW_COUNTING
    if mode == "off":
        return
    counts = reads_counts(product_ids, kind)
    if not counts:
        return
    if mode == "redis" and _redis_increment(counts):
        return
    counts_upsert(counts)


# --- moving Redis counts into the database ----------------------------------------------------

_TAKE_BATCH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
"""


@dataclass
class FlushResult:
    batches: int = 0
    views: int = 0
    impressions: int = 0


def batch_take(client: redis.Redis) -> str | None:
    """Step 1: atomically swap the live counts out under a new batch id (reads keep counting)."""
    batch_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"
    taken = client.eval(_TAKE_BATCH, 3, LIVE_KEY, batch_key(batch_id), BATCHES_KEY, batch_id)
    return batch_id if taken else None


def batch_apply(client: redis.Redis, batch_id: str) -> Counts | None:
    """Step 2: add the batch to the database, recording it as applied in the same transaction.

    Returns the counts, or None if the batch had been applied before (by a mover that crashed
    after committing, or by a concurrent mover): nothing is counted twice.
    """
    counts: Counts = Counter()
    for field, value in client.hgetall(batch_key(batch_id)).items():
        counts[_parse_field(field)] += int(value)
    try:
        with transaction.atomic():
            AppliedCountBatch.objects.create(batch_id=batch_id)
            counts_upsert(counts)
    except IntegrityError:
        return None
    return counts


def batch_forget(client: redis.Redis, batch_id: str) -> None:
    """Step 3: drop the applied batch from Redis."""
    pipe = client.pipeline(transaction=True)
    pipe.delete(batch_key(batch_id))
    pipe.srem(BATCHES_KEY, batch_id)
    pipe.execute()


def counts_flush() -> FlushResult:
    """Moves every pending Redis count into the database, exactly once.

    Safe to crash at any step and to run concurrently: a batch left over by a crashed run is
    finished by the next one, and the applied-batch row makes applying idempotent.
    """
    client = redis_client()
    batch_take(client)
    result = FlushResult()
    for raw_id in sorted(client.smembers(BATCHES_KEY)):
        batch_id = raw_id.decode()
        counts = batch_apply(client, batch_id)
        batch_forget(client, batch_id)
        if counts is not None:
            result.batches += 1
            result.views += sum(n for (_, _, kind), n in counts.items() if kind == VIEW)
            result.impressions += sum(n for (_, _, kind), n in counts.items() if kind == IMPRESSION)
    return result


def counts_backlog() -> int:
    """Counters (a product's views or impressions of a day) in Redis not yet in the database:
    the live hash and the batches a flush took but has not applied."""
    client = redis_client()
    batches = [batch_key(raw.decode()) for raw in client.smembers(BATCHES_KEY)]
    pipe = client.pipeline(transaction=False)
    for key in (LIVE_KEY, *batches):
        pipe.hlen(key)
    return sum(pipe.execute())


def applied_batches_prune(*, older_than_days: int = 30) -> int:
    """Applied-batch records are needed only while their Redis batch might still be retried."""
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    deleted, _ = AppliedCountBatch.objects.filter(applied_at__lt=cutoff).delete()
    return deleted
