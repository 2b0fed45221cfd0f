"""The event outbox: recorded in each change's transaction, published by one relay at a time.

Recording: receivers of the domain signals (apps.py) write one Event row per changed entity, in
the transaction of the change, so a rolled-back change publishes nothing and a committed one is
never lost. Publishing (`events_publish`): the relay takes the oldest unpublished events, sends
each to the broker with publisher confirms and `mandatory`, and marks them published only once
the broker has confirmed them. A nack, an unroutable message or a lost connection stops the
batch: the event stays pending and is retried with backoff, never skipped. One relay runs at a
time (a PostgreSQL advisory lock), so events leave in id order. A relay killed between the
broker's confirm and its mark publishes those events again: consumers deduplicate by `ce-id`.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.utils import timezone

from catalog_service.core import rows
from catalog_service.inventory.models import StockLevel

from . import catalogue
from .broker import Publisher, PublishError
from .models import Event

logger = logging.getLogger(__name__)

# pg_try_advisory_lock's key: one relay publishes at a time ("cate" "vent" as two int32s).
RELAY_LOCK = (0x63617465, 0x76656E74)
# How long a relay started while another publishes waits for it to finish (beat starts one
# every EVENTS_RELAY_SECONDS, each runs about that long: the next takes over without a gap).
RELAY_LOCK_WAIT_SECONDS = 5.0


def _changes(changes: dict) -> dict:
    return {
        field: [catalogue.json_value(old), catalogue.json_value(new)]
        for field, (old, new) in changes.items()
    }


def _event(instance, action: str, changes: dict) -> Event:
    entity = catalogue.BY_MODEL[type(instance)]
    if action not in entity.actions:
        raise ValueError(f"{entity.name} has no event {action!r}")
    return Event(
        type=f"{entity.name}.{action}",
        subject=f"{entity.name}/{instance.pk}",
        data={entity.name: catalogue.state(instance), "changes": _changes(changes)},
    )


def product_event_record(sender, *, product, action: str, changes: dict, **kwargs) -> None:
    rows.insert_soon(_event(product, action, changes))  # built once (every admin write), or bulk


def brand_event_record(sender, *, brand, action: str, changes: dict, **kwargs) -> None:
    rows.insert(_event(brand, action, changes))


def category_event_record(sender, *, category, action: str, changes: dict, **kwargs) -> None:
    rows.insert(_event(category, action, changes))


def stock_events_record(sender, *, deltas: dict, **kwargs) -> None:
    """One event per level, with its state as written (one read of them all) and each changed
    field as [before, after]."""
    events = []
    for level in StockLevel.objects.filter(pk__in=list(deltas)).order_by("pk"):
        changes = {
            field: (getattr(level, field) - delta, getattr(level, field))
            for field, delta in deltas[level.pk].items()
        }
        events.append(_event(level, "updated", changes))
    Event.objects.bulk_create(events)


def backlog() -> tuple[int, float | None]:
    """How many events wait to be published, and the age in seconds of the oldest."""
    figures = Event.objects.filter(published_at__isnull=True).aggregate(
        waiting=Count("pk"), oldest=Min("time")
    )
    oldest = figures["oldest"]
    return figures["waiting"], (timezone.now() - oldest).total_seconds() if oldest else None


@contextmanager
def _relay_lock(wait_seconds: float) -> Iterator[bool]:
    """The relay's session lock on PostgreSQL, waited for up to `wait_seconds`. Whether it is
    held. Released at the end, or by PostgreSQL when the relay's connection dies."""
    give_up = time.monotonic() + wait_seconds
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", RELAY_LOCK)
            held = cursor.fetchone()[0]
            if held or time.monotonic() >= give_up:
                break
            time.sleep(settings.EVENTS_RELAY_POLL_SECONDS)
    try:
        yield held
    finally:
        if held:
            with suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", RELAY_LOCK)


def events_publish(*, run_seconds: float, until_idle: bool = False) -> int:
    """Publishes events as they commit for about `run_seconds` (`until_idle`: or until none
    waits), unless another relay holds the lock beyond RELAY_LOCK_WAIT_SECONDS. Returns how
    many it published."""
    if not settings.EVENTS_BROKER_URL:
        return 0
    deadline = time.monotonic() + run_seconds
    with _relay_lock(min(run_seconds, RELAY_LOCK_WAIT_SECONDS)) as held:
        return _relay(deadline, until_idle) if held else 0


def _relay(deadline: float, until_idle: bool) -> int:
    published = failures = 0
    publisher = None
    pending = Event.objects.filter(published_at__isnull=True).order_by("pk")
    try:
        while time.monotonic() < deadline:
            batch = list(pending[: settings.EVENTS_RELAY_BATCH])
            if not batch and until_idle:
                break
            if not batch:
                time.sleep(settings.EVENTS_RELAY_POLL_SECONDS)
                continue
            confirmed = []
            try:
                publisher = publisher or Publisher.connect()
                for event in batch:
                    publisher.publish(event)
                    confirmed.append(event.pk)
            except PublishError as exc:
                failures += 1
                if publisher is not None:
                    publisher.close()
                    publisher = None
                _failure_log(exc, batch[len(confirmed)], failures)
            else:
                failures = 0
            if confirmed:
                Event.objects.filter(pk__in=confirmed).update(published_at=timezone.now())
                published += len(confirmed)
            if failures and until_idle:
                break
            if failures:
                time.sleep(min(retry_delay(failures), max(deadline - time.monotonic(), 0)))
    finally:
        if publisher is not None:
            publisher.close()
    return published


def retry_delay(failures: int) -> float:
    base, ceiling = settings.EVENTS_RELAY_RETRY_SECONDS, settings.EVENTS_RELAY_RETRY_MAX_SECONDS
    return min(base * 2 ** (failures - 1), ceiling)


def _failure_log(error: Exception, event: Event, failures: int) -> None:
    waiting, oldest = backlog()
    logger.warning(
        "events not published: %s; %d event(s) waiting, the oldest for %.0f s; retrying "
        "%s %s in %.1f s",
        error,
        waiting,
        oldest or 0,
        event.type,
        event.event_id,
        retry_delay(failures),
        extra={"events_waiting": waiting, "events_oldest_seconds": oldest},
    )


def events_prune(batch: int = 5000) -> int:
    """Deletes the events published more than EVENTS_RETENTION_SECONDS ago. Without a broker
    (nothing will publish them) events older than that go too. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.EVENTS_RETENTION_SECONDS)
    old = Event.objects.filter(published_at__lt=cutoff)
    if not settings.EVENTS_BROKER_URL:
        old = Event.objects.filter(time__lt=cutoff)
    deleted = 0
    while ids := list(old.order_by("pk").values_list("pk", flat=True)[:batch]):
        deleted += Event.objects.filter(pk__in=ids).delete()[0]
    return deleted
