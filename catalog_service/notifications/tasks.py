"""Celery tasks, thin wrappers over services: tasks -> services, never the reverse."""

import contextlib

from celery import shared_task
from django.conf import settings

from catalog_service.core.tracing import traceparent_context

from . import services


@shared_task(ignore_result=True)
def events_relay() -> int:
    """Fans committed change events out into deliveries (beat runs it every
    NOTIFICATION_RELAY_SECONDS)."""
    return services.events_relay(settings.NOTIFICATION_RELAY_MAX_BATCHES)


@shared_task(bind=True, ignore_result=True, acks_late=True)
def delivery_send(self, delivery_id: int) -> None:
    """Sends one delivery. Safe to run twice: the delivery is claimed before it is sent."""
    retry_in = services.delivery_attempt(delivery_id)
    # Eagerly (no broker) a retry would run at once; there the sweep retries instead.
    if retry_in is not None and not settings.CELERY_TASK_ALWAYS_EAGER:
        # If the broker is down the row stays pending and the sweep retries it.
        with contextlib.suppress(Exception):
            self.apply_async((delivery_id,), countdown=retry_in, retry=False)


@shared_task(ignore_result=True)
def deliveries_sweep() -> int:
    """Periodic safety net for deliveries whose task was never published or was lost."""
    return services.deliveries_sweep()


def deliveries_publish(
    sender, *, delivery_ids: list[int], countdown: float = 0, traceparents=None, **kwargs
) -> None:
    """Receiver of signals.deliveries_due (connected in apps.py): one delivery_send per id, in
    the trace of the change it tells about."""
    traceparents = traceparents or {}
    for delivery_id in delivery_ids:
        with traceparent_context(traceparents.get(delivery_id, "")):
            services.enqueue(delivery_send, delivery_id, countdown=countdown)
