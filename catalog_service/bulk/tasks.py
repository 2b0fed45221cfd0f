from celery import shared_task

from . import imports


@shared_task(ignore_result=True, acks_late=True)
def import_run(job_id: str) -> None:
    """Runs one import job; a second delivery of the task finds it claimed and does nothing."""
    imports.job_run(job_id)


def import_enqueue(job_id) -> None:
    import_run.delay(str(job_id))
