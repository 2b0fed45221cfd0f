from celery import shared_task

from . import cache, services


@shared_task(ignore_result=True)
def product_cache_repair() -> int:
    """Periodic: drops cached products whose write-through failed while Redis was unreachable."""
    return cache.repair()


@shared_task(ignore_result=True)
def trash_purge_expired() -> int:
    """Periodic: purges the products in the trash longer than TRASH_RETENTION_DAYS."""
    return services.trash_purge_expired()
