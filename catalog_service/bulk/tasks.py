import logging

from celery import shared_task

from . import imports

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def import_run(job_id: str) -> None:
    """Runs one import job; a second delivery of the task finds it claimed and does nothing."""
    imports.job_run(job_id)


def import_enqueue(job_id) -> None:
    """Queues a job's run; with the broker down the job stays pending for imports_resume."""
    try:
        import_run.delay(str(job_id))
    except Exception as exc:  # any broker failure: the job row is the source of truth
        logger.warning("import %s left pending, the broker is unavailable: %s", job_id, exc)


@shared_task(ignore_result=True)
def imports_resume() -> int:
    """Periodic: queues again the jobs left pending (imports.jobs_left_pending)."""
    pending = imports.jobs_left_pending()
    for job_id in pending:
        import_enqueue(job_id)
    return len(pending)
