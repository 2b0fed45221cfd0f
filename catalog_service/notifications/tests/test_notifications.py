"""Product changes notify every other admin, with a real SMTP server receiving the mails."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from catalog_service.accounts.tests.factories import AdminFactory, UserFactory
from catalog_service.catalog import services as catalog_services
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.notifications import services
from catalog_service.notifications.models import Delivery, ProductChangeEvent
from catalog_service.notifications.tasks import delivery_send
from conftest import client_for

URL = "/api/v1/product/"


@pytest.fixture
def actor(db):
    return AdminFactory(username="alice")


@pytest.fixture
def product(brand):
    return ProductFactory(sku="00105-SKU", name="CD Player", price=Decimal("12.50"), brand=brand)


def test_product_update_notifies_every_other_admin(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    others = AdminFactory.create_batch(49)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(actor).patch(f"{URL}{product.id}/", {"price": "30.50"}, format="json")
    assert response.status_code == 200
    inbox = smtp_server.inbox
    assert inbox.recipients() == sorted(o.email for o in others)
    assert actor.email not in inbox.recipients()
    for message in inbox.messages:
        text = message.get_body(("plain",)).get_content()
        assert "price: 12.50 → 30.50" in text
        assert "alice updated product 00105-SKU" in text
        assert f"/api/v1/product/{product.id}/" in text
        assert "<td>12.50</td><td>30.50</td>" in message.get_body(("html",)).get_content()
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 49


def test_inactive_emailless_and_non_admin_accounts_get_nothing(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    AdminFactory(is_active=False)
    AdminFactory(email="")
    UserFactory()
    colleague = AdminFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(actor).patch(f"{URL}{product.id}/", {"name": "CD Deck"}, format="json")
    assert smtp_server.inbox.recipients() == [colleague.email]


def test_update_that_changes_nothing_sends_nothing(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    AdminFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(actor).patch(
            f"{URL}{product.id}/", {"price": "12.5", "name": "CD Player"}, format="json"
        )
    assert response.status_code == 200
    assert not ProductChangeEvent.objects.exists()
    assert smtp_server.inbox.messages == []


def test_create_and_delete_notify(smtp_server, actor, brand, django_capture_on_commit_callbacks):
    colleague = AdminFactory()
    client = client_for(actor)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            URL,
            {"sku": "NEW-1", "name": "Tuner", "price": "99.00", "brand": brand.id},
            format="json",
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"{URL}{created.json()['id']}/")
    subjects = [str(m["Subject"]) for m in smtp_server.inbox.messages]
    assert subjects == ["[Catalog] NEW-1 created by alice", "[Catalog] NEW-1 deleted by alice"]
    created_text = smtp_server.inbox.messages[0].get_body(("plain",)).get_content()
    assert "price: — → 99.00" in created_text
    assert "brand: — → Denon" in created_text
    assert all(str(m["To"]) == colleague.email for m in smtp_server.inbox.messages)


def test_rolled_back_change_sends_nothing(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    AdminFactory()

    def change_then_fail():
        with transaction.atomic():
            catalog_services.product_update(product=product, actor=actor, data={"name": "Gone"})
            raise RuntimeError("something later in the transaction fails")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        change_then_fail()
    assert not ProductChangeEvent.objects.exists()
    assert not Delivery.objects.exists()
    assert smtp_server.inbox.messages == []


def relay_without_sending(django_capture_on_commit_callbacks) -> int:
    """Runs the relay; the send tasks it queues after commit are dropped."""
    with django_capture_on_commit_callbacks(execute=False):
        return services.events_fan_out()


def test_nothing_is_written_or_sent_before_commit(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    AdminFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        catalog_services.product_update(product=product, actor=actor, data={"name": "Later"})
        assert smtp_server.inbox.messages == []
    # The change committed only its event: the outbox row, waiting for the relay.
    assert ProductChangeEvent.objects.get().fanned_out_at is None
    assert not Delivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert len(smtp_server.inbox.messages) == 1
    assert ProductChangeEvent.objects.get().fanned_out_at is not None


def test_relay_fans_each_event_out_once_in_batches(
    actor, product, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_RELAY_BATCH = 2
    others = AdminFactory.create_batch(3)
    for name in ("A", "B", "C"):
        with django_capture_on_commit_callbacks(execute=False):
            catalog_services.product_update(product=product, actor=actor, data={"name": name})
    assert relay_without_sending(django_capture_on_commit_callbacks) == 2
    assert relay_without_sending(django_capture_on_commit_callbacks) == 1
    assert relay_without_sending(django_capture_on_commit_callbacks) == 0
    pairs = list(Delivery.objects.values_list("event__changes__name", "recipient_id"))
    assert sorted(pairs) == sorted(
        ([old, new], admin.pk) for old, new in (("CD Player", "A"), ("A", "B"), ("B", "C"))
        for admin in others
    )  # fmt: skip


def test_relayed_batch_reaches_each_admin_as_one_digest(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    others = AdminFactory.create_batch(2)
    for name in ("A", "B", "C"):
        with django_capture_on_commit_callbacks(execute=False):
            catalog_services.product_update(product=product, actor=actor, data={"name": name})
    with django_capture_on_commit_callbacks(execute=True):
        assert services.events_fan_out() == 3
    assert smtp_server.inbox.recipients() == sorted(o.email for o in others)
    assert {str(m["Subject"]) for m in smtp_server.inbox.messages} == {
        "[Catalog] 3 product changes"
    }
    assert set(Delivery.objects.values_list("status", "attempts")) == {(Delivery.Status.SENT, 1)}


def test_new_delivery_waits_for_the_digest_window_and_the_sweep_leaves_it(
    actor, product, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a worker would wait; in-process tasks cannot
    settings.NOTIFICATION_DIGEST_SECONDS = 30
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 1
    AdminFactory()
    with django_capture_on_commit_callbacks(execute=False):
        catalog_services.product_update(product=product, actor=actor, data={"name": "Soon"})
    relay_without_sending(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.next_attempt_at >= delivery.created_at + timedelta(seconds=30)
    assert services.deliveries_sweep() == 0


def test_send_pending_notifications_relays_the_outbox_then_sends(
    smtp_server, actor, product, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_RELAY_BATCH = 2  # the command drains batch after batch
    others = AdminFactory.create_batch(2)
    for name in ("A", "B", "C"):
        with django_capture_on_commit_callbacks(execute=False):
            catalog_services.product_update(product=product, actor=actor, data={"name": name})
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_notifications", stdout=out)
    assert out.getvalue().startswith("Fanned out 3 change event(s) into 6 delivery(ies);")
    assert smtp_server.inbox.recipients() == sorted(o.email for o in others)
    assert not ProductChangeEvent.objects.filter(fanned_out_at__isnull=True).exists()


def test_relay_notifies_admins_of_the_time_of_the_change(
    actor, product, django_capture_on_commit_callbacks
):
    colleague = AdminFactory()
    with django_capture_on_commit_callbacks(execute=False):
        catalog_services.product_update(product=product, actor=actor, data={"name": "Late"})
    AdminFactory()  # made an admin after the change
    actor.delete()  # the event keeps the actor's name; nobody is excluded by id any more
    relay_without_sending(django_capture_on_commit_callbacks)
    assert list(Delivery.objects.values_list("recipient_id", flat=True)) == [colleague.pk]


def test_event_written_without_the_relay_column_is_not_fanned_out(
    actor, product, django_capture_on_commit_callbacks
):
    """A version that wrote its deliveries in the request omits the column; during a deploy
    the relay must not notify its changes a second time."""
    AdminFactory()
    ProductChangeEvent.objects.create(
        product_id=product.pk, product_sku=product.sku, product_name=product.name,
        action="updated", changes={"name": ["a", "b"]}, actor=actor, actor_username="alice",
    )  # fmt: skip
    assert relay_without_sending(django_capture_on_commit_callbacks) == 0
    assert ProductChangeEvent.objects.get().fanned_out_at is not None


def test_delivery_task_run_twice_sends_once(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    AdminFactory()
    with django_capture_on_commit_callbacks(execute=False):
        catalog_services.product_update(product=product, actor=actor, data={"name": "Twice"})
    relay_without_sending(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    delivery_send.apply(args=(delivery.pk,))
    delivery_send.apply(args=(delivery.pk,))
    assert len(smtp_server.inbox.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)


def test_smtp_down_then_up_delivers_exactly_once(
    smtp_server, actor, product, django_capture_on_commit_callbacks, settings
):
    AdminFactory.create_batch(3)
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(actor).patch(f"{URL}{product.id}/", {"price": "1.00"}, format="json")
    assert response.status_code == 200  # the admin's request does not care
    deliveries = Delivery.objects.all()
    assert {(d.status, d.attempts) for d in deliveries} == {(Delivery.Status.PENDING, 1)}
    assert all("Connection" in d.last_error for d in deliveries)
    assert all(d.next_attempt_at > timezone.now() for d in deliveries)

    smtp_server.start()
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    deliveries.update(next_attempt_at=timezone.now())  # the backoff has passed
    assert services.deliveries_sweep() == 3
    assert services.deliveries_sweep() == 0
    assert len(smtp_server.inbox.messages) == 3
    assert set(deliveries.values_list("status", "attempts")) == {(Delivery.Status.SENT, 2)}


def test_refused_address_fails_at_once_without_retry(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    colleague = AdminFactory(email="nobody@example.com")
    smtp_server.inbox.refused.add(colleague.email)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(actor).patch(f"{URL}{product.id}/", {"name": "X"}, format="json")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert "recipient refused" in delivery.last_error


def test_gives_up_after_max_attempts(
    smtp_server, actor, product, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    AdminFactory()
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.product_update(product=product, actor=actor, data={"name": "Y"})
    delivery = Delivery.objects.get()
    Delivery.objects.update(next_attempt_at=timezone.now())
    delivery_send.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 2)
    assert delivery.last_error.startswith("gave up after 2 attempts")


def test_retry_delay_grows_exponentially_with_jitter(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS, settings.NOTIFICATION_RETRY_MAX_SECONDS = 5, 600
    for attempts, ceiling in [(1, 5), (2, 10), (3, 20), (8, 600), (20, 600)]:
        delays = {services.retry_delay(attempts) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1


def test_admin_site_edit_notifies(
    smtp_server, actor, product, client, django_capture_on_commit_callbacks
):
    colleague = AdminFactory()
    client.force_login(actor)
    form = {"sku": product.sku, "name": product.name, "price": "45.00", "brand": product.brand_id}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/catalog/product/{product.id}/change/", form)
    assert response.status_code == 302
    assert smtp_server.inbox.recipients() == [colleague.email]
    event = ProductChangeEvent.objects.get()
    assert (event.actor_username, event.changes) == ("alice", {"price": ["12.50", "45.00"]})


def test_burst_of_changes_reaches_each_admin_as_one_digest(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    colleague = AdminFactory()
    for price in ("20.00", "21.00", "22.00"):
        with django_capture_on_commit_callbacks(execute=False):
            catalog_services.product_update(product=product, actor=actor, data={"price": price})
    relay_without_sending(django_capture_on_commit_callbacks)
    first, *rest = Delivery.objects.order_by("pk")
    delivery_send.apply(args=(first.pk,))
    for delivery in rest:  # their own tasks find them sent already
        delivery_send.apply(args=(delivery.pk,))
    assert smtp_server.inbox.recipients() == [colleague.email]
    message = smtp_server.inbox.messages[0]
    assert str(message["Subject"]) == "[Catalog] 3 product changes"
    text = message.get_body(("plain",)).get_content()
    assert text.index("12.50 → 20.00") < text.index("20.00 → 21.00") < text.index("21.00 → 22.00")
    assert set(Delivery.objects.values_list("status", "attempts")) == {(Delivery.Status.SENT, 1)}


def test_digest_that_fails_leaves_every_change_pending(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    AdminFactory()
    for name in ("A", "B"):
        with django_capture_on_commit_callbacks(execute=False):
            catalog_services.product_update(product=product, actor=actor, data={"name": name})
    relay_without_sending(django_capture_on_commit_callbacks)
    smtp_server.stop()
    delivery_send.apply(args=(Delivery.objects.order_by("pk").first().pk,))
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.PENDING}


def test_admin_site_lists_the_events_the_relay_has_not_fanned_out(
    actor, product, client, django_capture_on_commit_callbacks
):
    actor.is_superuser = True
    actor.save()
    with django_capture_on_commit_callbacks(execute=False):
        catalog_services.product_update(product=product, actor=actor, data={"name": "Waiting"})
        catalog_services.product_update(product=product, actor=actor, data={"name": "Relayed"})
    ProductChangeEvent.objects.filter(changes__name__1="Relayed").update(
        fanned_out_at=timezone.now()
    )
    client.force_login(actor)
    waiting = client.get("/admin/notifications/productchangeevent/?fanned_out_at__isempty=1")
    assert waiting.status_code == 200
    assert [event.changes["name"][1] for event in waiting.context["cl"].result_list] == ["Waiting"]
