"""OpenTelemetry traces of Django, PostgreSQL (psycopg), Redis, Celery and outgoing HTTP
(requests), exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.

Without that variable nothing here imports OpenTelemetry or instruments anything: a process that
does not trace pays nothing. The exporter reads its other settings from the standard OTEL_*
variables (OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME, ...).

A trace crosses the notification outbox: the change event keeps the W3C `traceparent` of the
request that wrote it (`traceparent_current`), and the relay publishes each send inside that
context (`traceparent_context`), so Celery's instrumentation carries it in the task's headers and
the worker's send joins the admin's request in one trace.
"""

import contextlib
import os
import sys
from collections.abc import Iterator

_instrumentors: list = []


def tracing_configure(service_name: str, processor=None) -> bool:
    """Traces this process to OTLP (or to `processor`, a span processor: the tests' in-memory
    one). Whether it traces. Call once per process, before Django builds its middleware."""
    if _instrumentors:
        return True
    if processor is None:
        if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            return False
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        processor = BatchSpanProcessor(OTLPSpanExporter())
    from opentelemetry import trace
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    # Probes and scrapes come every few seconds and tell nothing a trace would.
    excluded = os.environ.get("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", "healthz,readyz,metrics")
    for instrumentor, options in (
        (DjangoInstrumentor(), {"excluded_urls": excluded}),
        (PsycopgInstrumentor(), {}),
        (RedisInstrumentor(), {}),
        (CeleryInstrumentor(), {}),
        (RequestsInstrumentor(), {}),
    ):
        instrumentor.instrument(tracer_provider=provider, **options)
        _instrumentors.append(instrumentor)
    return True


def tracing_enabled() -> bool:
    return bool(_instrumentors)


def tracing_stop() -> None:
    """Undoes the instrumentation (tests: the rest of the run is not traced)."""
    while _instrumentors:
        _instrumentors.pop().uninstrument()


def trace_id_current() -> str | None:
    """The active trace's id (32 hex digits), or None: not tracing, or outside any span."""
    if not _instrumentors:
        return None
    span_context = sys.modules["opentelemetry.trace"].get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


def traceparent_current() -> str:
    """The W3C traceparent of the active span ('' when not tracing): kept beside an outbox row."""
    if not _instrumentors:
        return ""
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent", "")


@contextlib.contextmanager
def traceparent_context(traceparent: str) -> Iterator[None]:
    """Runs the block inside the trace `traceparent` names (as is, when it is empty)."""
    if not (_instrumentors and traceparent):
        yield
        return
    from opentelemetry import context
    from opentelemetry.propagate import extract

    token = context.attach(extract({"traceparent": traceparent}))
    try:
        yield
    finally:
        context.detach(token)
