"""A real Prometheus scraping the real processes: gunicorn's workers add up, the outbox backlog
rises while no worker runs and drains once one does, the worker serves its own figures, and the
dashboard's and alerts' queries name what the processes export. The same processes export their
traces over OTLP: one admin change is one trace from the API to the worker's sends."""

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import yaml
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.notifications.tests.conftest import HttpRecorder
from testing.services import ROOT, free_port, wait_for

pytestmark = pytest.mark.timeout(180)

DETAIL_READS = 'sum(catalog_http_requests_total{route="/api/v1/product/{id}/",status="200"})'


def test_prometheus_sees_every_read_of_five_gunicorn_workers(live_api, prometheus, product):
    port = free_port()
    # Prometheus first: it takes a few seconds to begin scraping, the API as many to start.
    prom = prometheus(targets={"api": [f"127.0.0.1:{port}"]}, bearer="scrape-token")
    started = time.time()
    server = live_api(
        port=port, WEB_CONCURRENCY=5, GUNICORN_THREADS=2, METRICS_TOKEN="scrape-token"
    )
    assert wait_for(lambda: prom.scraped_after("api", started), 20), prom.query("up")
    before = prom.value(DETAIL_READS) or 0.0

    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=8))
    url = f"{server.url}/api/v1/product/{product.id}/"
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: session.get(url, timeout=10).status_code, range(1000)))
    assert statuses.count(200) == 1000

    read = time.time()
    assert wait_for(lambda: prom.scraped_after("api", read), 20)
    assert prom.value(DETAIL_READS) - before == 1000
    # Several workers served them (one counter file each): a scrape answered by one of them
    # showed them all.
    assert len(list(server.metrics_dir.glob("counter_*.db"))) >= 2
    # One series per pattern and status, however many products were read.
    series = prom.query('catalog_http_requests_total{route=~".*product.*"}')
    assert {s["metric"]["route"] for s in series} == {"/api/v1/product/{id}/"}


@pytest.fixture
def team(postgres, brand):
    actor = AdminFactory(username="alice")
    AdminFactory.create_batch(3)
    return actor, ProductFactory(sku="OBS-1", price="12.50", brand=brand)


@pytest.fixture
def collector():
    """An OTLP/HTTP receiver standing in for the collector: records what it is sent."""
    recorder = HttpRecorder()
    recorder.status = 200
    yield recorder
    recorder.close()


def spans_exported(collector) -> list[tuple[str, object]]:
    """(service name, span) of every span the processes sent."""
    spans = []
    for request in list(collector.requests):
        if request["path"] == "/v1/traces":
            message = ExportTraceServiceRequest.FromString(request["body"])
            for resource in message.resource_spans:
                attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
                for scope in resource.scope_spans:
                    spans += [(attributes["service.name"], span) for span in scope.spans]
    return spans


def test_outbox_backlog_rises_without_a_worker_and_drains_with_one(
    live_api, celery_worker_process, prometheus, redis_db, settings, team, collector
):
    """And the worker's figures, every query of the dashboard and the alerts, and the change's
    trace, exported by the API and the worker."""
    actor, product = team
    port, worker_port = free_port(), free_port()
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": 100,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "NOTIFICATION_CHANNELS": "console",
        "NOTIFICATION_DIGEST_SECONDS": 0,
        "NOTIFICATION_RELAY_SECONDS": 0.3,
        "NOTIFICATION_SWEEP_SECONDS": 1,
        "WORKER_BEAT": "true",
        "WORKER_METRICS_PORT": worker_port,
        "VIEW_COUNTING": "redis",
        "PRODUCT_CACHE_SECONDS": 300,
    }
    prom = prometheus(targets={API: [f"127.0.0.1:{port}"], WORKER: [f"127.0.0.1:{worker_port}"]})
    started = time.time()
    server = live_api(port=port, WEB_CONCURRENCY=1, **env)
    pending = 'catalog_outbox_pending{kind="notification"}'
    assert wait_for(lambda: prom.scraped_after(API, started), 20)
    assert prom.value(pending) == 0
    assert requests.get(f"{server.url}/api/v1/product/{product.id}/", timeout=10).ok

    token = RefreshToken.for_user(actor).access_token
    response = requests.patch(
        f"{server.url}/api/v1/product/{product.id}/",
        json={"price": "30.50"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    requests.get(f"{server.url}/api/v1/no-such-thing/", timeout=10)  # Django logs a warning
    assert wait_for(lambda: prom.value(pending) == 3, 20), prom.query(pending)
    assert prom.value('catalog_outbox_oldest_age_seconds{kind="notification"}') >= 0

    celery_worker_process(**env)
    assert wait_for(lambda: prom.value(pending) == 0, 60), prom.query(pending)
    sent = 'sum(catalog_notifications_total{provider="console",outcome="sent"})'
    assert wait_for(lambda: prom.value(sent) == 3, 20), prom.query("catalog_notifications_total")
    relays = (
        "sum(catalog_worker_tasks_total{"
        'task="catalog_service.notifications.tasks.events_relay",outcome="succeeded"})'
    )
    assert prom.value(relays) >= 1
    # Beat, here inside the worker (WORKER_BEAT), counts what it sends among the worker's figures.
    sent_by_beat = relays.replace("worker_tasks_total", "beat_tasks_sent_total").replace(
        ',outcome="succeeded"', ""
    )
    assert prom.value(sent_by_beat) >= 1
    assert prom.value('sum(catalog_worker_task_duration_seconds_count{task=~".*delivery_send"})')

    # One trace: the API's PATCH (and its queries) and the worker's three sends.
    def sends() -> list:
        return [s for _, s in spans_exported(collector) if s.name == SEND]

    assert wait_for(lambda: len(sends()) == 3, 20), {s.name for _, s in spans_exported(collector)}
    spans = spans_exported(collector)
    (patch,) = [s for name, s in spans if name == "catalog-api" and s.name == PATCH]
    assert {s.trace_id for s in sends()} == {patch.trace_id}
    in_trace = {(name, s.name) for name, s in spans if s.trace_id == patch.trace_id}
    assert ("catalog-worker", SEND) in in_trace
    assert any(name == "catalog-api" and s.startswith(("UPDATE", "INSERT")) for name, s in in_trace)
    assert not [s for _, s in spans if "healthz" in s.name or "metrics" in s.name]
    lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    (not_found,) = [line for line in lines if "Not Found" in line["message"]]
    assert len(not_found["trace_id"]) == 32

    # Every query of the dashboard and the alert rules is valid PromQL and names only metrics
    # the processes export (the names they were written against).
    exported = set(
        requests.get(f"{prom.url}/api/v1/label/__name__/values", timeout=10).json()["data"]
    )
    for expr in queries():
        response = requests.get(f"{prom.url}/api/v1/query", params={"query": expr}, timeout=10)
        assert response.json()["status"] == "success", (expr, response.text)
        assert set(re.findall(r"\b(?:catalog_\w+|up)\b(?=[{\[ )])", expr)) <= exported, expr


PATCH = "PATCH api/v1/product/<int:pk>/"
SEND = "run/catalog_service.notifications.tasks.delivery_send"
# The job names the ServiceMonitors give (deploy/k8s/monitoring/), which the alerts use.
API, WORKER = "catalog-api-metrics", "catalog-worker-metrics"


def queries() -> list[str]:
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "catalog.json").read_text())
    found = [
        target["expr"].replace("$__rate_interval", "1m")
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    for doc in yaml.safe_load_all(
        (ROOT / "deploy" / "k8s" / "monitoring" / "monitoring.yaml").read_text()
    ):
        if doc["kind"] == "PrometheusRule":
            found += [rule["expr"] for group in doc["spec"]["groups"] for rule in group["rules"]]
    assert len(found) > 20
    return found


def test_a_beat_of_its_own_serves_what_it_sends(beat_process, redis_db, settings):
    port = free_port()
    beat_process(
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=settings.REDIS_URL,
        NOTIFICATION_RELAY_SECONDS=0.3,
        BEAT_METRICS_PORT=port,
    )

    def relays_sent() -> float:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        found = re.search(
            r'^catalog_beat_tasks_sent_total\{task="catalog_service\.notifications\.tasks\.'
            r'events_relay"\} ([0-9.e+]+)$',
            text,
            re.M,
        )
        return float(found.group(1)) if found else 0.0

    assert wait_for(lambda: relays_sent() >= 2, 20)
