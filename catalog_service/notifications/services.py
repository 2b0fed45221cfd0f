"""Change events and their notifications, delivered through an outbox.

The change and its event commit together; nothing is sent before that. The event is the outbox
row: a relay, run by the scheduler every NOTIFICATION_RELAY_SECONDS, writes one delivery row per
recipient and channel for each committed event and queues them. A worker sends each delivery. A
delivery is claimed with one atomic UPDATE before it is sent, so two runs of its task never both
send it.

tasks -> services, never the reverse: a send is queued by sending signals.deliveries_due, which
apps.py connects to tasks.deliveries_publish.
"""

import functools
import logging
import math
import random
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Model, Q
from django.utils import timezone

from catalog_service.accounts.selectors import active_admins
from catalog_service.catalog.signals import in_bulk
from catalog_service.core import rows
from catalog_service.core.exceptions import ConflictError
from catalog_service.core.metrics import NOTIFICATIONS
from catalog_service.core.tracing import traceparent_current, tracing_enabled

from .content import event_payload, events_message
from .models import Delivery, ProductChangeEvent
from .providers import (
    Notification,
    ProviderPermanentError,
    ProviderTemporaryError,
    provider_get,
    providers_configured,
)
from .selectors import event_recipients
from .signals import deliveries_due

logger = logging.getLogger(__name__)


_ENCODER = DjangoJSONEncoder()
_JSON_PLAIN = (str, int, type(None))  # bool is an int


def json_safe(value):
    """A changed value as the history stores it, for any field type: a model instance (a
    foreign key) as its display (a brand's name, a category's path), then DjangoJSONEncoder's
    rules (Decimal as "12.50", date and datetime in ISO 8601, UUID as text), anything else as
    its text, so an unforeseen type never fails the admin's write."""
    if isinstance(value, _JSON_PLAIN):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # jsonb has no NaN or Infinity
    if isinstance(value, Model):  # as the model says it is shown in a history, else its text
        return value.change_display() if hasattr(value, "change_display") else str(value)
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    try:
        return _ENCODER.default(value)
    except TypeError:
        return str(value)


def product_change_record(sender, *, product, actor, action: str, changes: dict, **kwargs) -> None:
    """Receiver of product_changed: the event, in the change's transaction.

    Nothing else happens in the admin's request: the event is the outbox row, and the relay
    writes its deliveries once it is committed.
    """
    event = ProductChangeEvent(
        product_id=product.pk,
        product_sku=product.sku,
        product_name=product.name,
        action=action,
        changes={field: [json_safe(old), json_safe(new)] for field, (old, new) in changes.items()},
        actor=actor,
        actor_username=actor.get_username() if actor else "",  # None: the system (an expiry)
        # Part of a bulk change: in its history, but the admins get the importer's summary.
        fanned_out_at=timezone.now() if in_bulk() else None,
        traceparent=traceparent_current(),
    )
    rows.insert_soon(event)  # one INSERT built once (every admin write), or the bulk's one
    if settings.CELERY_TASK_ALWAYS_EAGER and event.fanned_out_at is None:
        # No broker, so no scheduler runs the relay: this process fans out after commit. If that
        # fails, the write stands and the next one (or send_pending_notifications) fans out both.
        transaction.on_commit(events_fan_out, robust=True)


def events_fan_out(limit: int | None = None) -> int:
    """The relay: writes the deliveries of committed events not yet fanned out, oldest first,
    then queues them. Returns how many events it fanned out.

    Events are taken with SKIP LOCKED and marked in the same transaction as their deliveries,
    so relays running at once share a backlog and never fan an event out twice (where rows
    cannot be locked, as on SQLite, the conditional mark decides and the loser writes nothing).
    Recipients are the active admins (with an email) at fan-out, except the actor and admins
    created after the change.
    """
    with transaction.atomic():
        pending = ProductChangeEvent.objects.filter(fanned_out_at__isnull=True)
        event_ids = list(
            pending.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)[: limit or settings.NOTIFICATION_RELAY_BATCH]
        )
        if not event_ids:
            return 0
        if pending.filter(pk__in=event_ids).update(fanned_out_at=timezone.now()) != len(event_ids):
            transaction.set_rollback(True)  # another relay took some of them first
            return 0
        for channel, provider in providers_configured().items():
            if provider.per_recipient:
                _deliveries_to_admins(event_ids, channel)
            else:
                due = _first_attempt_at(timezone.now())
                Delivery.objects.bulk_create(
                    Delivery(
                        event_id=event_id,
                        channel=channel,
                        address=provider.address(),
                        next_attempt_at=due,
                    )
                    for event_id in event_ids
                )
        transaction.on_commit(lambda: deliveries_enqueue(event_ids))
    return len(event_ids)


def events_relay(max_batches: int | None = None) -> int:
    """Fans out batch after batch until the outbox is empty, or for at most `max_batches`
    batches (the next run takes the rest). Returns how many events it fanned out."""
    relayed = batches = 0
    while max_batches is None or batches < max_batches:
        batch = events_fan_out()
        relayed, batches = relayed + batch, batches + 1
        if batch < settings.NOTIFICATION_RELAY_BATCH:
            break
    return relayed


def _first_attempt_at(now):
    """A new delivery waits for the digest window, so a burst of changes reaches each admin as
    one mail, and the sweep leaves it alone until then. With no broker, tasks run at once."""
    wait = 0 if settings.CELERY_TASK_ALWAYS_EAGER else settings.NOTIFICATION_DIGEST_SECONDS
    return now + timedelta(seconds=wait)


@functools.cache
def _delivery_insert_head() -> str:
    """`INSERT INTO <deliveries> (<columns>)`: our own quoted names, built once."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Delivery._meta.get_field(name).column)
        for name in (
            "event", "channel", "recipient", "address", "status", "attempts",
            "next_attempt_at", "last_error", "created_at", "updated_at",
        )
    )  # fmt: skip
    return f"INSERT INTO {table} ({columns})"


def _deliveries_to_admins(event_ids: list[int], channel: str) -> None:
    """One pending delivery per event and recipient admin, in one INSERT ... SELECT.

    The ORM has no INSERT ... SELECT; building the rows in Python would cost a model instance
    per event and admin. The admins are still chosen by the one selector that defines them.
    """
    recipients_sql, recipients_params = event_recipients(
        ProductChangeEvent.objects.filter(pk__in=event_ids)
    )
    now = timezone.now()
    first_attempt_at = _first_attempt_at(now)
    # Only quoted names of our own table and columns are formatted in; values are parameters.
    insert = (
        f"{_delivery_insert_head()} "
        f"SELECT event.id, %s, admin.id, admin.email, %s, 0, %s, '', %s, %s "
        f"{recipients_sql} ORDER BY event.id, admin.id"
    )
    params = [channel, Delivery.Status.PENDING, first_attempt_at, now, now, *recipients_params]
    with connection.cursor() as cursor:
        cursor.execute(insert, params)


def summary_notify(*, actor, subject: str, text: str, html: str, payload: dict) -> int:
    """A notification about no single change (an import's summary) to every other active
    admin on each configured channel, through the same outbox: the deliveries commit with the
    caller's transaction and are sent after it. Returns how many deliveries it wrote."""
    message = {"subject": subject, "text": text, "html": html, "payload": payload}
    now = timezone.now()
    deliveries = []
    for channel, provider in providers_configured().items():
        if provider.per_recipient:
            admins = active_admins().exclude(email="").exclude(pk=getattr(actor, "pk", None))
            deliveries += [
                Delivery(channel=channel, recipient_id=pk, address=email, message=message)
                for pk, email in admins.order_by("pk").values_list("pk", "email")
            ]
        else:
            deliveries.append(
                Delivery(channel=channel, address=provider.address(), message=message)
            )
    for delivery in deliveries:
        delivery.next_attempt_at = now
    created = Delivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in created]
    transaction.on_commit(lambda: deliveries_due.send(Delivery, delivery_ids=ids))
    return len(ids)


def enqueue(task, *args, countdown: float = 0) -> None:
    """Publishes a task; with the broker down the row stays pending and the sweep sends it.
    tasks.py publishes the sends of deliveries_due with it."""
    try:
        task.apply_async(args, countdown=countdown or None, retry=False)
    except Exception as exc:  # any broker failure: the outbox row is the source of truth
        logger.warning("broker unavailable, %s%s left for the sweep: %s", task.name, args, exc)


def deliveries_enqueue(event_ids: list[int]) -> None:
    """Queues the pending deliveries of the events: one send task per recipient and channel
    (per NOTIFICATION_DIGEST_MAX deliveries), which takes the recipient's other pending
    deliveries along as one digest. A task per delivery would have several tasks race for the
    same recipient at the same moment and split the digest."""
    # Selected by event only, pending checked here: after a burst of writes most deliveries are
    # pending and the table's statistics may not know it yet, and a plan that believes `status =
    # 'pending'` is selective intersects the event index with a scan of every pending delivery.
    deliveries = (
        Delivery.objects.filter(event_id__in=event_ids)
        .order_by("pk")
        .values_list("pk", "recipient_id", "channel", "status")
    )
    queued: Counter = Counter()
    due: list[int] = []
    for delivery_id, recipient_id, channel, status in deliveries:
        if status != Delivery.Status.PENDING:
            continue
        # Deliveries without a recipient (a webhook) are not combined: each has its own task.
        group = (recipient_id, channel) if recipient_id else delivery_id
        if queued[group] % settings.NOTIFICATION_DIGEST_MAX == 0:
            due.append(delivery_id)
        queued[group] += 1
    if due:  # due at the end of the digest window (_first_attempt_at)
        deliveries_due.send(
            Delivery,
            delivery_ids=due,
            countdown=settings.NOTIFICATION_DIGEST_SECONDS,
            traceparents=_traceparents(event_ids, due) if tracing_enabled() else {},
        )


def _traceparents(event_ids: list[int], delivery_ids: list[int]) -> dict[int, str]:
    """{delivery id: the traceparent of its change}, for the sends to continue those traces."""
    of_event = dict(
        ProductChangeEvent.objects.filter(pk__in=event_ids).values_list("pk", "traceparent")
    )
    deliveries = Delivery.objects.filter(pk__in=delivery_ids).values_list("pk", "event_id")
    return {pk: of_event.get(event_id, "") for pk, event_id in deliveries}


def _claim(delivery_id: int) -> bool:
    now = timezone.now()
    due = Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now + timedelta(seconds=1))
    abandoned = Q(status=Delivery.Status.SENDING, claimed_until__lt=now)
    claimed = Delivery.objects.filter(due | abandoned, pk=delivery_id).update(
        status=Delivery.Status.SENDING,
        claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS),
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return claimed == 1


def _finish(delivery: Delivery, status: str, error: str = "", **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=status,
        last_error=error[:2000],
        claimed_until=None,
        updated_at=timezone.now(),
        **fields,
    )


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter: base * 2^(n-1), capped, times a random 50-100 %."""
    delay = min(
        settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1),
        settings.NOTIFICATION_RETRY_MAX_SECONDS,
    )
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security


def _claim_companions(delivery: Delivery) -> list[int]:
    """Claims the recipient's other pending deliveries on the channel, to send as one digest."""
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                recipient_id=delivery.recipient_id,
                channel=delivery.channel,
                status=Delivery.Status.PENDING,
                event__isnull=False,  # a summary goes on its own
            )
            .exclude(pk=delivery.pk)
            .order_by("pk")
            .values_list("pk", flat=True)[: settings.NOTIFICATION_DIGEST_MAX - 1]
        )
        now = timezone.now()
        Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.SENDING,
            claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return ids


def notification_for(delivery: Delivery, per_recipient: bool, companions=()) -> Notification:
    to = delivery.address if per_recipient else ""
    if delivery.event_id is None:  # summary_notify's: the message is stored with it
        message = delivery.message
        return Notification(
            delivery_id=delivery.pk,
            subject=message["subject"],
            text=message["text"],
            html=message["html"],
            payload=message["payload"],
            to=to,
        )
    events = [delivery.event, *(c.event for c in companions)]
    subject, text, html = events_message(sorted(events, key=lambda e: (e.created_at, e.pk)))
    return Notification(
        delivery_id=delivery.pk,
        subject=subject,
        text=text,
        html=html,
        payload=event_payload(delivery.event),
        to=to,
    )


def _built(delivery: Delivery, per_recipient: bool, companions) -> Notification:
    """The notification; one that cannot be built never will be, whatever the retries."""
    try:
        return notification_for(delivery, per_recipient, companions)
    except Exception as exc:
        logger.exception("delivery %s: the message cannot be built", delivery.pk)
        raise ProviderPermanentError(f"the message cannot be built: {exc}") from exc


def delivery_attempt(delivery_id: int) -> float | None:
    """Sends one delivery if it is due and nobody else holds it.

    Returns the seconds until the next attempt after a temporary failure, else None.
    """
    if not _claim(delivery_id):
        return None
    delivery = Delivery.objects.select_related("event").get(pk=delivery_id)
    if delivery.recipient_id and not active_admins().filter(pk=delivery.recipient_id).exists():
        # Deactivated, demoted or deleted since the change: they no longer hear about changes.
        _finish(delivery, Delivery.Status.CANCELLED, "the recipient is no longer an active admin")
        NOTIFICATIONS.labels(delivery.channel, "cancelled").inc()
        return None
    companions: list[Delivery] = []
    try:
        provider = provider_get(delivery.channel)
        if provider.per_recipient and delivery.recipient_id and delivery.event_id:
            ids = _claim_companions(delivery)
            companions = list(Delivery.objects.select_related("event").filter(pk__in=ids))
        provider.send(_built(delivery, provider.per_recipient, companions))
    except (ProviderPermanentError, ImproperlyConfigured) as exc:
        _finish(delivery, Delivery.Status.FAILED, f"permanent: {exc}")
        _release(companions, str(exc))
        NOTIFICATIONS.labels(delivery.channel, "failed").inc()
    except Exception as exc:  # temporary by default: a retry costs less than a lost message
        if not isinstance(exc, ProviderTemporaryError):
            logger.exception("unexpected error sending delivery %s", delivery_id)
        if delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            error = f"gave up after {delivery.attempts} attempts: {exc}"
            _finish(delivery, Delivery.Status.FAILED, error)
            NOTIFICATIONS.labels(delivery.channel, "failed").inc()
            return None
        delay = retry_delay(delivery.attempts)
        next_attempt_at = timezone.now() + timedelta(seconds=delay)
        _finish(delivery, Delivery.Status.PENDING, str(exc), next_attempt_at=next_attempt_at)
        _release(companions, str(exc))
        NOTIFICATIONS.labels(delivery.channel, "retried").inc()
        return delay
    else:
        sent_at = timezone.now()
        for sent in (delivery, *companions):
            _finish(sent, Delivery.Status.SENT, sent_at=sent_at)
        NOTIFICATIONS.labels(delivery.channel, "sent").inc(1 + len(companions))
    return None


def _release(companions: list[Delivery], error: str) -> None:
    """Digest companions of a failed send go back to pending; the sweep sends them later."""
    for companion in companions:
        _finish(companion, Delivery.Status.PENDING, error, next_attempt_at=timezone.now())


def deliveries_sweep() -> int:
    """Re-enqueues deliveries left behind: broker down at commit, a lost retry, a dead worker."""
    now = timezone.now()
    grace = timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    left_behind = Delivery.objects.filter(
        Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now - grace)
        | Q(status=Delivery.Status.SENDING, claimed_until__lt=now)
    ).order_by("pk")
    ids = list(left_behind.values_list("pk", flat=True)[: settings.NOTIFICATION_SWEEP_BATCH])
    if ids:
        deliveries_due.send(Delivery, delivery_ids=ids)
    return len(ids)


class DeliveryNotFailedError(ConflictError):
    default_code = "delivery_not_failed"
    default_detail = "Only a failed delivery can be sent again."


@transaction.atomic
def delivery_resend(*, delivery: Delivery) -> Delivery:
    """Gives a failed delivery a fresh set of attempts."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != Delivery.Status.FAILED:
        raise DeliveryNotFailedError()
    delivery.status = Delivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    transaction.on_commit(lambda: deliveries_due.send(Delivery, delivery_ids=[delivery.pk]))
    return delivery
