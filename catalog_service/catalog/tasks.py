from celery import shared_task

from . import cache


@shared_task(ignore_result=True)
def product_cache_repair() -> int:
    """Periodic: drops cached products whose write-through failed while Redis was unreachable."""
    return cache.repair()
