"""Scaled out: two API servers and two Celery workers share one PostgreSQL, one Redis and one
RabbitMQ, with one scheduler (a second one started by mistake refuses). Driven at once through
both servers, every guarantee of a single instance holds: anonymous reads are counted exactly,
each change reaches each other admin once, and each product's events arrive once, in order."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.analytics import counters
from catalog_service.analytics.models import ProductDailyViews
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.events.broker import Subscription
from catalog_service.notifications.models import Delivery, ProductChangeEvent
from testing.services import wait_for

pytestmark = pytest.mark.timeout(300)

READERS, READS_EACH = 32, 25
PRICES = [f"{n}.00" for n in range(60, 70)]


@pytest.fixture
def scaled_env(settings, redis_db, smtp_server, events_broker):
    return {
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "VIEW_COUNTING": "redis",
        "VIEW_COUNTING_FLUSH_SECONDS": 1,
        "NOTIFICATION_CHANNELS": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": smtp_server.port,
        "EMAIL_USE_TLS": "false",
        "NOTIFICATION_DIGEST_SECONDS": 0,
        "NOTIFICATION_RELAY_SECONDS": 0.3,
        "NOTIFICATION_SWEEP_SECONDS": 1,
        "EVENTS_BROKER_URL": settings.EVENTS_BROKER_URL,
        "EVENTS_EXCHANGE": settings.EVENTS_EXCHANGE,
        "EVENTS_RELAY_SECONDS": 2,
    }


def stored_views(product) -> int:
    views = ProductDailyViews.objects.filter(product_id=product.pk)
    return sum(views.values_list("views", flat=True))


def counts_waiting_in_redis(url: str) -> bool:
    client = redis.Redis.from_url(url)
    try:
        return bool(client.exists(counters.LIVE_KEY) or client.scard(counters.BATCHES_KEY))
    finally:
        client.close()


def test_two_servers_two_workers_one_scheduler_keep_every_guarantee(
    live_api, celery_worker_process, beat_process, scaled_env, smtp_server, settings, brand
):
    actor, *others = AdminFactory.create_batch(4)
    products = ProductFactory.create_batch(2, brand=brand)
    subscription = Subscription(["catalog.product.updated"])  # before any change: sees them all

    servers = [live_api(WEB_CONCURRENCY=2, GUNICORN_THREADS=4, **scaled_env) for _ in range(2)]
    for _ in range(2):
        celery_worker_process(CELERY_CONCURRENCY=2, **scaled_env)
    scheduler = beat_process(**scaled_env)
    with pytest.raises(RuntimeError, match="Another scheduler already runs") as refused:
        beat_process(**scaled_env)
    assert f"pid {scheduler.process.pid}" in str(refused.value)

    failures = []
    reads = {product.pk: 0 for product in products}
    lock = threading.Lock()

    def reader(n: int) -> None:
        with requests.Session() as session:
            for i in range(READS_EACH):
                server, product = servers[(n + i) % 2], products[i % 2]
                response = session.get(f"{server.url}/api/v1/product/{product.pk}/", timeout=30)
                if response.status_code != 200:
                    failures.append((response.status_code, response.text[:200]))
                    continue
                with lock:
                    reads[product.pk] += 1

    def editor(product) -> None:
        """One product's price changes in order, each through the other server."""
        headers = {"Authorization": f"Bearer {RefreshToken.for_user(actor).access_token}"}
        with requests.Session() as session:
            for i, price in enumerate(PRICES):
                response = session.patch(
                    f"{servers[i % 2].url}/api/v1/product/{product.pk}/",
                    json={"price": price},
                    headers=headers,
                    timeout=30,
                )
                if response.status_code != 200:
                    failures.append((response.status_code, response.text[:200]))

    with ThreadPoolExecutor(READERS + len(products)) as pool:
        jobs = [pool.submit(reader, n) for n in range(READERS)]
        jobs += [pool.submit(editor, product) for product in products]
        for job in jobs:
            job.result()
    assert not failures, failures[:5]
    assert sum(reads.values()) == READERS * READS_EACH

    # Exact counts: every read through either server, moved by one scheduler's flushes.
    assert wait_for(
        lambda: (
            all(stored_views(p) == reads[p.pk] for p in products)
            and not counts_waiting_in_redis(settings.REDIS_URL)
        ),
        timeout=60,
    ), {p.pk: (stored_views(p), reads[p.pk]) for p in products}

    # Each change reaches each other admin once, whichever worker relayed and sent it.
    changes = len(products) * len(PRICES)
    sent = Delivery.objects.filter(status=Delivery.Status.SENT)
    assert wait_for(lambda: sent.count() >= changes * len(others), timeout=90), sent.count()
    assert ProductChangeEvent.objects.count() == changes
    assert sorted(Delivery.objects.values_list("event_id", "recipient_id")) == sorted(
        (event_id, admin.pk)
        for event_id in ProductChangeEvent.objects.values_list("pk", flat=True)
        for admin in others
    )

    # Changes due together may share one mail: each appears in exactly one.
    def changes_mailed_to(admin) -> int:
        mails = [m for m in smtp_server.inbox.messages if str(m["To"]) == admin.email]
        return "".join(m.get_body(("plain",)).get_content() for m in mails).count(" → ")

    assert wait_for(lambda: all(changes_mailed_to(a) >= changes for a in others), 30)
    assert [changes_mailed_to(admin) for admin in [actor, *others]] == [0] + [changes] * 3

    # Each event once, each product's in commit order, whichever worker ran the relay.
    received = []
    try:
        for _, event in subscription.events(inactivity_timeout=5):
            received.append(event)
            if len(received) == changes:
                break
    finally:
        subscription.close()
    assert len({event.get_id() for event in received}) == len(received) == changes
    for product in products:
        prices = [
            event.get_data()["product"]["price"]
            for event in received
            if event.get_data()["product"]["id"] == product.pk
        ]
        assert prices == PRICES
