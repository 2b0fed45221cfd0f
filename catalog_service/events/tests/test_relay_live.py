"""The relay in the real worker (Celery, beat), beside the real API (gunicorn): the broker
stopped under writes, and the relay killed between the broker's confirm and its own mark.
Nothing is lost, each product's events arrive in commit order, and a consumer deduplicating by
`ce-id` applies each event once."""

import time

import pytest
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.events.broker import Subscription
from catalog_service.events.models import Event
from testing.services import wait_for

pytestmark = pytest.mark.timeout(240)


def relay_env(settings, **overrides) -> dict:
    return {
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "WORKER_BEAT": "true",
        "EVENTS_BROKER_URL": settings.EVENTS_BROKER_URL,
        "EVENTS_EXCHANGE": settings.EVENTS_EXCHANGE,
        "EVENTS_RELAY_SECONDS": 2,
        "EVENTS_RELAY_RETRY_SECONDS": 0.2,
        "EVENTS_RELAY_RETRY_MAX_SECONDS": 1,
        "EVENTS_BROKER_TIMEOUT": 3,
        **overrides,
    }


class DeduplicatingConsumer:
    """What the README asks of a consumer: apply an event once, whatever the redeliveries."""

    def __init__(self):
        self.applied: dict[str, dict] = {}  # ce-id -> data, in the order applied
        self.deliveries = 0

    def take(self, subscription: Subscription, until: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while len(self.applied) < until and time.monotonic() < deadline:
            for _, event in subscription.events(inactivity_timeout=1):
                self.deliveries += 1
                self.applied.setdefault(event.get_id(), event.get_data())
                if len(self.applied) >= until:
                    break


def test_broker_stopped_during_200_writes_then_started_every_event_arrives_in_order(
    postgres, redis_db, private_rabbitmq, live_api, celery_worker_process, settings, brand
):
    settings.EVENTS_BROKER_URL = private_rabbitmq.url
    settings.EVENTS_EXCHANGE = "catalog.events"
    Subscription(["catalog.product.updated"], queue="storefront").close()  # durable: it waits
    products = ProductFactory.create_batch(5, brand=brand)
    headers = {"Authorization": f"Bearer {RefreshToken.for_user(AdminFactory()).access_token}"}
    env = relay_env(settings)
    server = live_api(**env)
    worker = celery_worker_process(**env)

    private_rabbitmq.stop_app()
    with requests.Session() as session:
        for round_ in range(40):
            for product in products:
                response = session.patch(
                    f"{server.url}/api/v1/product/{product.pk}/",
                    json={"price": f"{round_ + 1}.00"},
                    headers=headers,
                    timeout=30,
                )
                assert response.status_code == 200, response.text
        assert session.get(f"{server.url}/readyz", timeout=10).status_code == 200
    assert wait_for(lambda: "event(s) waiting" in worker.output(), 30), worker.output()
    assert Event.objects.filter(published_at__isnull=True).count() == 200

    private_rabbitmq.start_app()
    consumer = DeduplicatingConsumer()
    subscription = Subscription(["catalog.product.updated"], queue="storefront")
    try:
        consumer.take(subscription, until=200)
    finally:
        subscription.close()

    assert len(consumer.applied) == 200, worker.output()
    for product in products:
        prices = [
            data["product"]["price"]
            for data in consumer.applied.values()
            if data["product"]["id"] == product.pk
        ]
        assert prices == [f"{round_ + 1}.00" for round_ in range(40)]
    assert wait_for(lambda: not Event.objects.filter(published_at__isnull=True).exists(), 10)


def test_a_relay_killed_between_confirm_and_mark_republishes_and_each_applies_once(
    postgres, redis_db, events_broker, celery_worker_process, settings
):
    Event.objects.bulk_create(
        Event(type="product.updated", subject=f"product/{n % 7}", data={"n": n})
        for n in range(1500)
    )
    subscription = Subscription(["catalog.#"])
    consumer = DeduplicatingConsumer()
    # One batch of 1,000 is marked only once all 1,000 are confirmed: kill inside it.
    env = relay_env(settings, EVENTS_RELAY_BATCH=1000)
    worker = celery_worker_process(**env)
    try:
        consumer.take(subscription, until=1)
        worker.kill()
        assert Event.objects.filter(published_at__isnull=False).count() == 0
        confirmed = consumer.deliveries

        celery_worker_process(**env)
        consumer.take(subscription, until=1500)
    finally:
        subscription.close()

    assert len(consumer.applied) == 1500
    assert [data["n"] for data in consumer.applied.values()] == list(range(1500))
    assert consumer.deliveries > len(consumer.applied), "the kill should have left duplicates"
    assert confirmed >= 1
    assert wait_for(lambda: not Event.objects.filter(published_at__isnull=True).exists(), 10)
