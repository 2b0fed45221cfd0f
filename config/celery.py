"""The Celery application: Redis as broker, tasks discovered in every installed app."""

import os
import time

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


@signals.worker_process_init.connect
def _tracing_start(**kwargs):
    """In each pool process (an exporter's thread does not survive a fork)."""
    from catalog_service.core.tracing import tracing_configure

    tracing_configure("catalog-worker")


@signals.worker_init.connect
def _metrics_serve(sender=None, **kwargs):
    """With WORKER_METRICS_PORT, the worker's main process serves the figures of every pool
    process (bin/start-worker gives them PROMETHEUS_MULTIPROC_DIR) for Prometheus to scrape."""
    from django.conf import settings

    if settings.WORKER_METRICS_PORT:
        from prometheus_client import start_http_server

        from catalog_service.core.metrics import process_registry

        start_http_server(settings.WORKER_METRICS_PORT, registry=process_registry())


@signals.beat_init.connect
def _beat_metrics(sender=None, **kwargs):
    """Beat counts what it sends (connected here: only the scheduler's publishes count) and,
    with BEAT_METRICS_PORT, serves its figures."""
    from django.conf import settings

    signals.before_task_publish.connect(_beat_sent, weak=False)
    if settings.BEAT_METRICS_PORT:
        from prometheus_client import start_http_server

        from catalog_service.core.metrics import process_registry

        start_http_server(settings.BEAT_METRICS_PORT, registry=process_registry())


def _beat_sent(sender=None, **kwargs):
    from catalog_service.core.metrics import BEAT_SENT

    BEAT_SENT.labels(sender).inc()


_task_started: dict[str, float] = {}
_OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}


@signals.task_prerun.connect
def _task_timer_start(task_id=None, **kwargs):
    _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_record(task_id=None, task=None, state=None, **kwargs):
    from catalog_service.core.metrics import TASK_DURATION, TASKS

    started = _task_started.pop(task_id, None)
    TASKS.labels(task.name, _OUTCOMES.get(state, "other")).inc()
    if started is not None:
        TASK_DURATION.labels(task.name).observe(time.perf_counter() - started)


@signals.worker_process_shutdown.connect
def _metrics_process_gone(pid=None, **kwargs):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
