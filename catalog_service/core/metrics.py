"""Prometheus metrics: what every process counts, and the registry a scrape reads.

Under gunicorn and Celery's prefork pool each process counts in its own files in
PROMETHEUS_MULTIPROC_DIR (set before prometheus_client is imported: bin/start-api and
bin/start-worker do it), and a scrape adds up every process's files; without that directory (one
process: `make run`, tests) the client's default in-process registry is read. Figures that live in
the database or Redis (outbox backlog, counts not yet flushed) are computed when scraped, by the
collectors the apps register with `scrape_collector_add`: right across processes by construction.
"""

import logging
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

HTTP_REQUESTS = Counter(
    "catalog_http_requests", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_REQUEST_DURATION = Histogram(
    "catalog_http_request_duration_seconds",
    "Time to answer an HTTP request, in the application.",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PRODUCT_VIEWS = Counter("catalog_product_views", "Anonymous product reads counted (views).")
CACHE_REQUESTS = Counter("catalog_cache_requests", "Product cache look-ups, by result.", ["result"])
NOTIFICATIONS = Counter(
    "catalog_notifications", "Notification sends, by provider and outcome.", ["provider", "outcome"]
)
BEAT_SENT = Counter("catalog_beat_tasks_sent", "Periodic tasks beat sent.", ["task"])
TASKS = Counter("catalog_worker_tasks", "Celery tasks finished, by outcome.", ["task", "outcome"])
TASK_DURATION = Histogram(
    "catalog_worker_task_duration_seconds",
    "Time a Celery task ran.",
    ["task"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)

# Any path no route matches (the JSON 404's catch-all included) counts under one label.
UNMATCHED = "unmatched"
# A route's parameter, as Django (`<int:pk>`) or a DRF router (`(?P<pk>[^/.]+)`) writes it.
_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@lru_cache(maxsize=512)  # routes are the URL patterns: a fixed, small set
def route_label(route: str) -> str:
    """`api/v1/product/<int:pk>/` -> `/api/v1/product/{id}/`: the URL pattern as the OpenAPI
    document writes it (`pk` is `id` there), never the requested path."""

    def parameter(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        return "{id}" if name == "pk" else f"{{{name}}}"

    label = _PARAMETER.sub(parameter, route).replace("^", "").replace("$", "").replace("\\", "")
    return "/" + label.lstrip("/")


logger = logging.getLogger(__name__)

_collectors: list[Callable[[], Iterable[Metric]]] = []
_outboxes: dict[str, Callable[[], tuple[int, float | None]]] = {}


def scrape_collector_add(collect: Callable[[], Iterable[Metric]]) -> None:
    """Adds `collect()`, called on each scrape, for figures read from the database or Redis."""
    if collect not in _collectors:
        _collectors.append(collect)


def outbox_add(kind: str, backlog: Callable[[], tuple[int, float | None]]) -> None:
    """Adds an outbox to catalog_outbox_pending{kind} and catalog_outbox_oldest_age_seconds{kind}:
    `backlog()` returns (rows waiting, the age in seconds of the oldest, or None)."""
    _outboxes[kind] = backlog


def _outbox_collect() -> Iterable[Metric]:
    pending = GaugeMetricFamily(
        "catalog_outbox_pending", "Outbox rows not yet processed.", labels=["kind"]
    )
    age = GaugeMetricFamily(
        "catalog_outbox_oldest_age_seconds",
        "Age of the oldest outbox row not yet processed (0 when none).",
        labels=["kind"],
    )
    for kind, backlog in _outboxes.items():
        waiting, oldest_age = backlog()
        pending.add_metric([kind], waiting)
        age.add_metric([kind], max(oldest_age or 0.0, 0.0))
    yield pending
    yield age


class _ScrapeTime:
    def collect(self) -> Iterable[Metric]:
        for collect in (_outbox_collect, *_collectors):
            # A database or Redis that does not answer loses these figures, not the scrape.
            try:
                yield from list(collect())
            except Exception:
                logger.warning("metrics: %s failed", collect.__qualname__, exc_info=True)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def process_registry() -> CollectorRegistry:
    """Every process's figures (the files in PROMETHEUS_MULTIPROC_DIR), or this process's own."""
    if not multiprocess_dir():
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def exposition() -> tuple[bytes, str]:
    """(body, content type) of a scrape of the API: its processes' figures, then those read now."""
    scrape_time = CollectorRegistry(auto_describe=False)
    scrape_time.register(_ScrapeTime())
    body = generate_latest(process_registry()) + generate_latest(scrape_time)
    return body, CONTENT_TYPE_LATEST
