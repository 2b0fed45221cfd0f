"""The Celery application: Redis as broker, tasks discovered in every installed app."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("catalog_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _refuse_without_a_broker(sender=None, **kwargs):
    """Without a broker every task runs in the API's own process (the in-memory transport the
    settings name then reaches no one): a worker would wait for nothing, so it says so, stops."""
    if app.conf.broker_url.startswith("memory://"):
        raise SystemExit(
            "No broker: set REDIS_URL (or CELERY_BROKER_URL); without one, tasks run in the "
            "API's process and a worker has nothing to do."
        )


@signals.beat_init.connect  # sent by every beat, embedded in a worker (WORKER_BEAT) or not
def _one_scheduler(sender=None, **kwargs):
    """A second beat would start every periodic task twice: it stops and says who runs."""
    from catalog_service.core.scheduler import scheduler_lock_hold

    scheduler_lock_hold()
