"""Celery tasks, thin wrappers over services: tasks -> services, never the reverse."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(ignore_result=True)
def events_relay() -> int:
    """Publishes events as they commit for EVENTS_RELAY_SECONDS (beat starts one that often;
    one holds the relay's lock at a time, the next waits for it)."""
    return services.events_publish(run_seconds=settings.EVENTS_RELAY_SECONDS)


@shared_task(ignore_result=True)
def events_prune() -> int:
    """Deletes events past EVENTS_RETENTION_SECONDS (hourly)."""
    return services.events_prune()
