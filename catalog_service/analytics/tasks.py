from celery import shared_task

from .counters import applied_batches_prune, counts_flush


@shared_task(ignore_result=True)
def view_counts_flush() -> dict:
    """Periodic: moves the view counts gathered in Redis into PostgreSQL."""
    return counts_flush().__dict__


@shared_task(ignore_result=True)
def applied_count_batches_prune() -> int:
    return applied_batches_prune()
