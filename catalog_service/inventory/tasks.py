from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def reservations_expire() -> int:
    """Periodic: releases what the reservations whose time is up still hold."""
    return services.reservations_expire()


@shared_task(ignore_result=True)
def idempotent_requests_prune() -> int:
    """Periodic: forgets the answers of Idempotency-Keys past IDEMPOTENCY_KEY_SECONDS."""
    return services.idempotent_requests_prune()
