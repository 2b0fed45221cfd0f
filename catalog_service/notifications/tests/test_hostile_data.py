"""Data that once stopped notifications: each change still reaches every other admin."""

from decimal import Decimal

import pytest

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.catalog import services as catalog_services
from catalog_service.catalog.models import Product
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.notifications.models import Delivery, ProductChangeEvent
from catalog_service.notifications.tasks import delivery_send


@pytest.fixture
def actor(db):
    return AdminFactory(username="alice")


def _relayed_and_sent(django_capture_on_commit_callbacks) -> None:
    from catalog_service.notifications import services

    with django_capture_on_commit_callbacks(execute=False):
        services.events_relay()
    for delivery in Delivery.objects.order_by("pk"):
        delivery_send.apply(args=(delivery.pk,))


def test_mail_subject_is_one_line_whatever_the_data(
    smtp_server, actor, brand, django_capture_on_commit_callbacks
):
    colleague = AdminFactory()
    # Written as older data or another path could have left it: the API refuses it now.
    product = ProductFactory(sku="EVIL-1\r\nBcc: x@example.com", brand=brand)
    with django_capture_on_commit_callbacks(execute=False):
        catalog_services.product_update(product=product, actor=actor, data={"name": "Later"})
    _relayed_and_sent(django_capture_on_commit_callbacks)
    (message,) = smtp_server.inbox.messages
    assert str(message["Subject"]) == "[Catalog] EVIL-1 Bcc: x@example.com updated by alice"
    assert message["Bcc"] is None
    assert str(message["To"]) == colleague.email
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_message_that_cannot_be_built_fails_at_once_and_is_logged_once(
    smtp_server, actor, product, django_capture_on_commit_callbacks, caplog
):
    AdminFactory()
    with django_capture_on_commit_callbacks(execute=False):
        catalog_services.product_update(product=product, actor=actor, data={"name": "X"})
    ProductChangeEvent.objects.update(changes=["not", "a", "mapping"])  # no template can show it
    _relayed_and_sent(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert delivery.last_error.startswith("permanent: the message cannot be built")
    assert smtp_server.inbox.messages == []
    logged = [r for r in caplog.records if "cannot be built" in r.getMessage()]
    assert len(logged) == 1


def test_later_changes_are_mailed_after_one_that_cannot_be(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    colleague = AdminFactory()
    with django_capture_on_commit_callbacks(execute=False):
        catalog_services.product_update(product=product, actor=actor, data={"name": "X"})
    ProductChangeEvent.objects.update(changes=["not", "a", "mapping"])
    _relayed_and_sent(django_capture_on_commit_callbacks)
    Delivery.objects.update(status=Delivery.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=False):
        catalog_services.product_update(product=product, actor=actor, data={"name": "Y"})
    _relayed_and_sent(django_capture_on_commit_callbacks)
    assert smtp_server.inbox.recipients() == [colleague.email]
    assert "name: X → Y" in smtp_server.inbox.messages[0].get_body(("plain",)).get_content()


def test_admin_deactivated_after_a_change_is_not_mailed_about_it(
    smtp_server, actor, product, django_capture_on_commit_callbacks
):
    leaving, staying = AdminFactory(), AdminFactory()
    with django_capture_on_commit_callbacks(execute=False):
        catalog_services.product_update(
            product=product, actor=actor, data={"price": Decimal("13.00")}
        )
    from catalog_service.notifications import services

    with django_capture_on_commit_callbacks(execute=False):
        services.events_relay()  # queued for both
    leaving.is_active = False
    leaving.save()
    for delivery in Delivery.objects.order_by("pk"):
        delivery_send.apply(args=(delivery.pk,))
    assert smtp_server.inbox.recipients() == [staying.email]
    statuses = dict(Delivery.objects.values_list("recipient_id", "status"))
    assert statuses == {leaving.pk: Delivery.Status.CANCELLED, staying.pk: Delivery.Status.SENT}
    assert Product.objects.get().price == Decimal("13.00")
