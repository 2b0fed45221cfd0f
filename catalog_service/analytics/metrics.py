"""The counting backlog, read from Redis on each scrape (the flush runs in the worker)."""

from collections.abc import Iterator

from django.conf import settings
from prometheus_client.core import GaugeMetricFamily

from .counters import counts_backlog


def counting_collect() -> Iterator[GaugeMetricFamily]:
    if settings.VIEW_COUNTING != "redis":
        return  # counted straight into the database (or not at all): nothing waits
    yield GaugeMetricFamily(
        "catalog_view_counts_unflushed",
        "View and impression counters in Redis not yet moved into the database.",
        value=counts_backlog(),
    )
