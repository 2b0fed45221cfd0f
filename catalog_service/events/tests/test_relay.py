"""The relay against the machine's RabbitMQ: what is committed arrives, in order, once per
event id; what is rolled back never does; what the broker will not take waits and is retried."""

import logging
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from catalog_service.catalog import services as catalog_services
from catalog_service.catalog.models import Product
from catalog_service.events import services
from catalog_service.events.broker import Subscription
from catalog_service.events.models import Event

PRODUCT = "/api/v1/product/"


def received(subscription: Subscription, *, quiet: float = 1.0) -> list:
    return list(subscription.events(inactivity_timeout=quiet))


@pytest.fixture
def subscription(events_broker):
    subscription = Subscription(["catalog.product.*"])
    yield subscription
    subscription.close()


def test_100_sequential_patches_arrive_in_order_with_distinct_ids(
    postgres, subscription, admin, product
):
    for cents in range(100):
        response = admin.patch(f"{PRODUCT}{product.pk}/", {"price": f"1.{cents:02d}"})
        assert response.status_code == 200

    assert services.events_publish(run_seconds=1.0) == 100
    messages = received(subscription)
    assert [key for key, _ in messages] == ["catalog.product.updated"] * 100
    prices = [event.get_data()["product"]["price"] for _, event in messages]
    assert prices == [f"1.{cents:02d}" for cents in range(100)]
    ids = [event.get_id() for _, event in messages]
    assert len(set(ids)) == 100
    assert ids == [str(e) for e in Event.objects.order_by("pk").values_list("event_id", flat=True)]
    first = messages[0][1]
    assert first.get_type() == "com.example.catalog.product.updated"
    assert first.get_subject() == f"product/{product.pk}"
    assert first.get_source() == "/catalog"
    assert first.get_attributes()["specversion"] == "1.0"
    assert not Event.objects.filter(published_at__isnull=True).exists()


def test_a_rolled_back_write_publishes_nothing(postgres, subscription, admin_user, product):
    def update(name: str, fail: bool) -> None:
        with transaction.atomic():
            locked = Product.objects.select_for_update().get(pk=product.pk)
            catalog_services.product_update(product=locked, actor=admin_user, data={"name": name})
            if fail:
                raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        update("Never", fail=True)
    update("Kept", fail=False)

    services.events_publish(run_seconds=0.5)
    names = [event.get_data()["product"]["name"] for _, event in received(subscription)]
    assert names == ["Kept"]


def test_an_unroutable_event_waits_and_is_retried(postgres, events_broker, admin, product, caplog):
    admin.patch(f"{PRODUCT}{product.pk}/", {"name": "First"})
    admin.patch(f"{PRODUCT}{product.pk}/", {"name": "Second"})
    with caplog.at_level(logging.WARNING, logger="catalog_service.events.services"):
        assert services.events_publish(run_seconds=0.5) == 0  # no queue bound: returned
    assert Event.objects.filter(published_at__isnull=True).count() == 2
    assert "UnroutableError" in caplog.text
    assert "2 event(s) waiting" in caplog.text

    subscription = Subscription(["catalog.#"])
    try:
        assert services.events_publish(run_seconds=0.5) == 2
        names = [event.get_data()["product"]["name"] for _, event in received(subscription)]
    finally:
        subscription.close()
    assert names == ["First", "Second"]  # the first was retried, never skipped


def test_a_second_relay_waits_for_the_one_publishing(postgres, subscription, admin, product):
    admin.patch(f"{PRODUCT}{product.pk}/", {"name": "Waits"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", services.RELAY_LOCK)
    try:
        outcome = []

        def relay_in_another_connection():
            try:
                outcome.append(services.events_publish(run_seconds=0.5))
            finally:
                connection.close()

        relay = threading.Thread(target=relay_in_another_connection)
        relay.start()
        relay.join()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", services.RELAY_LOCK)
    assert outcome == [0]
    assert received(subscription, quiet=0.3) == []
    assert services.events_publish(run_seconds=0.5) == 1


def test_no_broker_configured_publishes_nothing(postgres, settings, admin, product):
    settings.EVENTS_BROKER_URL = ""
    admin.patch(f"{PRODUCT}{product.pk}/", {"name": "Recorded"})
    assert services.events_publish(run_seconds=0.2) == 0
    assert Event.objects.get().published_at is None


def test_publish_events_command_publishes_what_waits_or_says_why_not(
    postgres, events_broker, admin, product
):
    admin.patch(f"{PRODUCT}{product.pk}/", {"name": "Unbound"})
    with pytest.raises(CommandError, match="1 event\\(s\\) still waiting"):
        call_command("publish_events", stdout=StringIO())  # no queue bound: returned
    subscription = Subscription(["catalog.#"])
    try:
        out = StringIO()
        call_command("publish_events", stdout=out)
        assert out.getvalue().strip() == "Published 1 event(s); 0 waiting."
        assert [e.get_data()["product"]["name"] for _, e in received(subscription)] == ["Unbound"]
    finally:
        subscription.close()
