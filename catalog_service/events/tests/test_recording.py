"""Every committed change of a product, brand, category or stock level is exactly one event,
written in the change's transaction, with the entity's state and what changed; nothing else is."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from catalog_service.catalog import services as catalog_services
from catalog_service.catalog.models import Product
from catalog_service.categories.tests.factories import CategoryFactory
from catalog_service.events import catalogue, services
from catalog_service.events.models import Event
from catalog_service.inventory.tests.test_inventory_api import (
    LOCATION,
    RESERVATION,
    hold,
    receive,
)

PRODUCT = "/api/v1/product/"


def events(**filters) -> list[Event]:
    return list(Event.objects.filter(**filters).order_by("pk"))


def test_product_created_updated_deleted_are_one_event_each(admin, brand):
    created = admin.post(
        PRODUCT, {"sku": "ev-1", "name": "Amp", "price": "10.00", "brand": brand.pk}, format="json"
    ).json()
    admin.patch(f"{PRODUCT}{created['id']}/", {"price": "12.50"}, format="json")
    admin.patch(f"{PRODUCT}{created['id']}/", {"price": "12.50"}, format="json")  # no change
    assert admin.delete(f"{PRODUCT}{created['id']}/").status_code == 204

    first, second, third = events(subject=f"product/{created['id']}")
    assert [e.type for e in (first, second, third)] == [
        "product.created",
        "product.updated",
        "product.deleted",
    ]
    assert second.data == {
        "product": {
            "id": created["id"],
            "sku": "ev-1",
            "name": "Amp",
            "price": "12.50",
            "brand": brand.pk,
            "category": None,
            "availability": "out_of_stock",
            "created_at": second.data["product"]["created_at"],
            "updated_at": second.data["product"]["updated_at"],
        },
        "changes": {"price": ["10.00", "12.50"]},
    }
    assert first.data["changes"]["sku"] == [None, "ev-1"]
    assert first.data["changes"]["brand"] == [None, brand.pk]
    assert third.data["product"]["price"] == "12.50"
    assert third.data["changes"]["price"] == ["12.50", None]
    assert len({e.event_id for e in (first, second, third)}) == 3
    assert all(e.published_at is None for e in (first, second, third))


def test_a_rolled_back_change_records_no_event(admin_user, product):
    def change_then_fail():
        with transaction.atomic():
            locked = Product.objects.select_for_update().get(pk=product.pk)
            catalog_services.product_update(product=locked, actor=admin_user, data={"name": "N"})
            assert Event.objects.filter(type="product.updated").count() == 1  # inside: written
            raise RuntimeError("the change fails after its event")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert not Event.objects.filter(type="product.updated").exists()


def test_brand_and_category_changes_are_events(admin):
    brand = admin.post("/api/v1/brand/", {"name": "Marantz"}, format="json").json()
    admin.patch(f"/api/v1/brand/{brand['id']}/", {"name": "Marantz Pro"}, format="json")
    admin.delete(f"/api/v1/brand/{brand['id']}/")
    assert [(e.type, e.data["changes"]) for e in events(subject=f"brand/{brand['id']}")] == [
        ("brand.created", {}),
        ("brand.updated", {"name": ["Marantz", "Marantz Pro"]}),
        ("brand.deleted", {}),
    ]

    home, garden = CategoryFactory(name="Home"), CategoryFactory(name="Garden")
    lamps = admin.post("/api/v1/category/", {"name": "Lamps", "parent": home.pk}, format="json")
    lamps = lamps.json()
    admin.patch(f"/api/v1/category/{lamps['id']}/", {"parent": garden.pk}, format="json")
    moved = events(subject=f"category/{lamps['id']}")
    assert [e.type for e in moved] == ["category.created", "category.updated"]
    assert moved[1].data["changes"] == {"parent": [home.pk, garden.pk]}
    assert moved[1].data["category"]["parent"] == garden.pk


def test_stock_changes_are_level_events_and_crossings_product_events(admin, order_system, product):
    warehouse = admin.post(LOCATION, {"code": "wh-9", "name": "W"}, format="json").json()["id"]
    assert receive(admin, product.pk, warehouse, 5).status_code == 201
    held = hold(order_system, [{"product": product.pk, "quantity": 5}])
    assert held.status_code == 201
    admin.post(f"{RESERVATION}{held.json()['id']}/commit/")

    stock = events(type="stock_level.updated")
    assert [e.data["changes"] for e in stock] == [
        {"on_hand": [0, 5]},
        {"reserved": [0, 5]},
        {"on_hand": [5, 0], "reserved": [5, 0]},
    ]
    assert stock[0].data["stock_level"]["product"] == product.pk
    assert stock[0].data["stock_level"]["location"] == warehouse
    crossings = events(type="product.updated", subject=f"product/{product.pk}")
    assert [e.data["changes"] for e in crossings] == [
        {"availability": ["out_of_stock", "in_stock"]},
        {"availability": ["in_stock", "out_of_stock"]},
    ]
    # each crossing follows the stock change that caused it
    assert stock[0].pk < crossings[0].pk < stock[1].pk < crossings[1].pk


def test_every_type_recorded_is_in_the_catalogue():
    assert set(catalogue.TYPES) == {
        f"{entity}.{action}"
        for entity in ("product", "brand", "category")
        for action in ("created", "updated", "deleted")
    } | {"stock_level.updated", "product.restored"}


def test_prune_keeps_what_waits_for_a_broker_and_what_is_recent(settings, db):
    settings.EVENTS_RETENTION_SECONDS = 3600
    old = timezone.now() - timedelta(hours=2)
    waiting = Event.objects.create(type="brand.created", subject="brand/3", data={}, time=old)
    recent_published = Event.objects.create(
        type="brand.updated", subject="brand/1", data={}, published_at=timezone.now()
    )
    old_published = Event.objects.create(
        type="brand.updated", subject="brand/2", data={}, time=old, published_at=old
    )
    settings.EVENTS_BROKER_URL = "amqp://127.0.0.1:1/"
    assert services.events_prune() == 1  # the old published one; pending ones wait
    assert set(Event.objects.values_list("pk", flat=True)) >= {recent_published.pk}
    assert not Event.objects.filter(pk=old_published.pk).exists()
    assert Event.objects.filter(pk=waiting.pk).exists()
    settings.EVENTS_BROKER_URL = ""
    assert services.events_prune() == 1  # no broker: nothing will ever send it
    assert list(Event.objects.values_list("pk", flat=True)) == [recent_published.pk]
