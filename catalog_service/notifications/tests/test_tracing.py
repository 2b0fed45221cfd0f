"""One admin change is one trace: the request, its queries, the outbox, and the worker's sends,
the context carried in the tasks' headers through the real broker (Redis) to a real worker."""

import json
import logging

import pytest
from celery.contrib.testing.worker import start_worker
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.core.logging import JsonFormatter, RequestIdFilter, request_trace_id_var
from catalog_service.core.tracing import tracing_configure, tracing_stop
from catalog_service.notifications import tasks
from catalog_service.notifications.models import Delivery
from conftest import client_for
from testing.services import wait_for

pytestmark = pytest.mark.timeout(120)

SEND = "run/catalog_service.notifications.tasks.delivery_send"


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    assert tracing_configure("catalog-test", SimpleSpanProcessor(exporter))
    yield exporter
    tracing_stop()


@pytest.fixture
def worker(postgres, redis_db, settings):
    """A Celery worker in this process, on the test's Redis broker: tasks leave as messages."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.NOTIFICATION_DIGEST_SECONDS = 0
    settings.NOTIFICATION_CHANNELS = ["console"]
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_admin_change_is_one_trace_through_the_outbox_to_the_sends(spans, worker, product):
    actor, *_ = AdminFactory.create_batch(4)
    response = client_for(actor).patch(f"/api/v1/product/{product.id}/", {"price": "30.50"})
    assert response.status_code == 200, response.content

    tasks.events_relay.delay()  # as the scheduler does
    sent = Delivery.objects.filter(status=Delivery.Status.SENT)
    assert wait_for(lambda: sent.count() == 3, 30), list(Delivery.objects.values("status"))

    finished = spans.get_finished_spans()
    request = next(
        s for s in finished if s.kind == SpanKind.SERVER and s.attributes["http.method"] == "PATCH"
    )
    trace_id = request.context.trace_id
    sends = [s for s in finished if s.name == SEND]
    assert sends, sorted({s.name for s in finished})
    assert {s.context.trace_id for s in sends} == {trace_id}
    in_trace = [s for s in finished if s.context.trace_id == trace_id]
    # The request's own queries, and the sends' publishing, in the same trace.
    assert any(s.attributes.get("db.system") == "postgresql" for s in in_trace)
    assert any(s.name.startswith("apply_async/") for s in in_trace)


def test_log_lines_carry_the_trace_id_inside_a_trace(spans):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    with trace.get_tracer(__name__).start_as_current_span("work") as span:
        RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert "request_id" in entry

    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    token = request_trace_id_var.set(None)  # outside any request too (another test's may linger)
    try:
        RequestIdFilter().filter(outside)
    finally:
        request_trace_id_var.reset(token)
    assert "trace_id" not in json.loads(JsonFormatter().format(outside))
