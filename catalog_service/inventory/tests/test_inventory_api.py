"""Stock through the API: locations, receipts and adjustments, reservations (hold, commit,
release, expiry, idempotency), who may do what, the ledger and its audit, and the product's
availability (fresh with the cache on, its crossings in the history). Rerun on SQLite (`make
run`) by the last test, except what needs Redis."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.inventory import services
from catalog_service.inventory.models import Reservation, StockLevel, StockMovement
from catalog_service.notifications.models import ProductChangeEvent
from testing.sqlite import pytest_on_sqlite

HERE = __file__

LOCATION, STOCK, MOVEMENT, RESERVATION = (
    "/api/v1/location/",
    "/api/v1/stock/",
    "/api/v1/stock/movement/",
    "/api/v1/reservation/",
)


@pytest.fixture
def warehouse(admin):
    response = admin.post(LOCATION, {"code": "wh-1", "name": "Warehouse 1"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def store(admin):
    response = admin.post(LOCATION, {"code": "store-1", "name": "Store 1"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def receive(admin, product_id, location_id, units, reason="receipt"):
    response = admin.post(
        MOVEMENT,
        {"product": product_id, "location": location_id, "delta": units, "reason": reason},
        format="json",
    )
    return response


def hold(client, lines, key="key-1", **body):
    return client.post(
        RESERVATION, {"lines": lines, **body}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def level(product_id, location_id) -> StockLevel:
    return StockLevel.objects.get(product_id=product_id, location_id=location_id)


def test_receipt_writes_level_and_ledger_and_shows_availability(admin, anon, product, warehouse):
    assert anon.get(f"/api/v1/product/{product.pk}/").json()["availability"] == "out_of_stock"
    response = receive(admin, product.pk, warehouse, 10)
    assert response.status_code == 201, response.content
    assert response.json() | {"updated_at": None} == {
        "id": level(product.pk, warehouse).pk,
        "product": product.pk,
        "location": warehouse,
        "on_hand": 10,
        "reserved": 0,
        "available": 10,
        "low_stock_threshold": 0,
        "updated_at": None,
    }
    [movement] = admin.get(MOVEMENT, {"product": product.pk}).json()["results"]
    assert (movement["on_hand_delta"], movement["reserved_delta"], movement["reason"]) == (
        10,
        0,
        "receipt",
    )
    assert anon.get(f"/api/v1/product/{product.pk}/").json()["availability"] == "in_stock"
    stock = admin.get(f"/api/v1/product/{product.pk}/").json()["stock"]
    assert stock == [
        {
            "location": warehouse,
            "location_code": "wh-1",
            "active": True,
            "on_hand": 10,
            "reserved": 0,
            "available": 10,
            "low_stock_threshold": 0,
        }
    ]
    assert "stock" not in anon.get(f"/api/v1/product/{product.pk}/").json()


@pytest.mark.parametrize(
    ("delta", "reason", "field"),
    [(0, "adjustment", "delta"), (-1, "receipt", "delta"), (5, "sale", "reason")],
)
def test_movements_by_hand_are_receipts_and_adjustments(
    admin, product, warehouse, delta, reason, field
):
    response = receive(admin, product.pk, warehouse, delta, reason=reason)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not StockMovement.objects.exists()


def test_an_adjustment_never_takes_on_hand_below_reserved(admin, product, warehouse):
    receive(admin, product.pk, warehouse, 5)
    assert hold(admin, [{"product": product.pk, "quantity": 4}]).status_code == 201
    response = receive(admin, product.pk, warehouse, -2, reason="adjustment")
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["message"] == (
        "wh-1 has 5 on hand, 4 of them reserved: it cannot lose 2."
    )
    assert (level(product.pk, warehouse).on_hand, StockMovement.objects.count()) == (5, 2)
    assert receive(admin, product.pk, warehouse, -1, reason="adjustment").status_code == 201


def test_hold_commit_release(admin, order_system, brand, warehouse, store):
    chair, table = ProductFactory(brand=brand), ProductFactory(brand=brand)
    receive(admin, chair.pk, warehouse, 3)
    receive(admin, table.pk, store, 5)
    response = hold(
        order_system,
        [{"sku": table.sku.lower(), "quantity": 2}, {"product": chair.pk, "quantity": 3}],
        ttl_seconds=60,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "held"
    assert sorted(
        (line["product"], line["location"], line["quantity"]) for line in body["lines"]
    ) == sorted([(table.pk, store, 2), (chair.pk, warehouse, 3)])
    assert (level(chair.pk, warehouse).reserved, level(table.pk, store).reserved) == (3, 2)
    assert order_system.get(f"{RESERVATION}{body['id']}/").json()["status"] == "held"

    committed = order_system.post(f"{RESERVATION}{body['id']}/commit/")
    assert committed.status_code == 200 and committed.json()["status"] == "committed"
    chair_level, table_level = level(chair.pk, warehouse), level(table.pk, store)
    assert (chair_level.on_hand, chair_level.reserved) == (0, 0)
    assert (table_level.on_hand, table_level.reserved) == (3, 0)
    again = order_system.post(f"{RESERVATION}{body['id']}/release/")
    assert again.status_code == 409
    assert again.json()["code"] == "reservation_closed"
    assert "is committed" in again.json()["message"]

    second = hold(order_system, [{"product": table.pk, "quantity": 3}], key="key-2").json()
    released = order_system.post(f"{RESERVATION}{second['id']}/release/")
    assert released.json()["status"] == "released"
    assert (level(table.pk, store).on_hand, level(table.pk, store).reserved) == (3, 0)
    reasons = list(StockMovement.objects.order_by("id").values_list("reason", flat=True))
    assert reasons == [
        *("receipt", "receipt", "reservation", "reservation", "sale", "sale"),
        *("reservation", "release"),
    ]
    call_command("stock_audit", stdout=io.StringIO())


def test_all_lines_or_none(admin, order_system, brand, warehouse, store):
    chair, table = ProductFactory(brand=brand), ProductFactory(brand=brand)
    receive(admin, chair.pk, warehouse, 5)
    receive(admin, table.pk, warehouse, 1)
    receive(admin, table.pk, store, 1)
    before = StockMovement.objects.count()
    response = hold(
        order_system,
        [
            {"product": chair.pk, "quantity": 5},
            {"product": table.pk, "quantity": 2},  # 2 in all, but not 2 at any one location
            {"product": chair.pk, "quantity": 1, "location": store},
        ],
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["lines"] == [
        {
            "line": 1,
            "product": table.pk,
            "sku": table.sku,
            "location": None,
            "requested": 2,
            "available": 1,
        },
        {
            "line": 2,
            "product": chair.pk,
            "sku": chair.sku,
            "location": "store-1",
            "requested": 1,
            "available": 0,
        },
    ]
    assert level(chair.pk, warehouse).reserved == 0  # the first line was taken, then let go
    assert StockMovement.objects.count() == before
    assert not Reservation.objects.exists()


def test_an_idempotency_key_replays_the_first_answer(admin, order_system, product, warehouse):
    receive(admin, product.pk, warehouse, 5)
    lines = [{"product": product.pk, "quantity": 2}]
    first = hold(order_system, lines, key="order-77")
    replay = hold(order_system, lines, key="order-77")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert level(product.pk, warehouse).reserved == 2
    other = hold(order_system, [{"product": product.pk, "quantity": 1}], key="order-77")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    # a first answer of 409 is replayed too, even once stock would allow it
    refused = hold(order_system, [{"product": product.pk, "quantity": 9}], key="order-78")
    receive(admin, product.pk, warehouse, 10)
    assert hold(order_system, [{"product": product.pk, "quantity": 9}], key="order-78").json() == (
        refused.json()
    )
    assert level(product.pk, warehouse).reserved == 2
    missing = order_system.post(RESERVATION, {"lines": lines}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"quantity": 1}]}, "lines"),
        ({"lines": [{"product": 999999, "quantity": 1}]}, "lines"),
        ({"lines": [{"product": 1, "quantity": 0}]}, "lines"),
        ({"lines": [{"product": 1, "quantity": 1}], "ttl_seconds": 0}, "ttl_seconds"),
    ],
)
def test_bad_reservations_are_400(order_system, body, where):
    response = order_system.post(RESERVATION, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert where in response.json()["fields"]


def test_expiry_returns_what_was_held_and_a_late_commit_is_409(
    admin, order_system, product, warehouse
):
    receive(admin, product.pk, warehouse, 4)
    held = hold(order_system, [{"product": product.pk, "quantity": 3}], ttl_seconds=60).json()
    other = hold(order_system, [{"product": product.pk, "quantity": 1}], key="k2").json()
    Reservation.objects.filter(pk=held["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.reservations_expire() == 1
    assert level(product.pk, warehouse).reserved == 1  # the other one still holds its unit
    late = order_system.post(f"{RESERVATION}{held['id']}/commit/")
    assert late.status_code == 409 and "is expired" in late.json()["message"]
    # expired at the commit, before the sweep reached it
    Reservation.objects.filter(pk=other["id"]).update(expires_at=timezone.now())
    assert order_system.post(f"{RESERVATION}{other['id']}/commit/").status_code == 409
    assert level(product.pk, warehouse).reserved == 0
    assert Reservation.objects.get(pk=other["id"]).status == "expired"
    call_command("stock_audit", stdout=io.StringIO())


def test_who_may_do_what(admin, order_system, member, anon, product, warehouse):
    receive(admin, product.pk, warehouse, 2)
    for client, allowed in ((order_system, True), (member, False), (anon, False)):
        for url in (LOCATION, STOCK, MOVEMENT):
            assert (client.get(url).status_code == 200) is allowed, (url, allowed)
    writes = [
        lambda c: c.post(LOCATION, {"code": "x", "name": "X"}, format="json"),
        lambda c: receive(c, product.pk, warehouse, 1),
        lambda c: c.patch(f"/api/v1/product/{product.pk}/", {"name": "X"}, format="json"),
        lambda c: c.post("/api/v1/brand/", {"name": "X"}, format="json"),
        lambda c: c.get("/api/v1/user/"),
    ]
    for write in writes:
        assert write(order_system).status_code == 403
    assert hold(member, [{"product": product.pk, "quantity": 1}]).status_code == 403
    assert hold(anon, [{"product": product.pk, "quantity": 1}]).status_code in (401, 403)
    assert hold(order_system, [{"product": product.pk, "quantity": 1}]).status_code == 201


def test_availability_crossings_are_recorded_once_each(
    admin, order_system, anon, product, warehouse, cached, django_capture_on_commit_callbacks
):
    """Cache on: the next anonymous read shows each crossing; the history has one event per
    crossing, not per reservation."""

    def write(send, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):  # the cache's write-through
            response = send(*args, **kwargs)
        assert response.status_code in (200, 201), response.content

    def shown():
        return anon.get(f"/api/v1/product/{product.pk}/").json()["availability"]

    assert shown() == "out_of_stock"
    write(receive, admin, product.pk, warehouse, 10)
    stock_id = level(product.pk, warehouse).pk
    write(admin.patch, f"{STOCK}{stock_id}/", {"low_stock_threshold": 3}, format="json")
    assert shown() == "in_stock"
    for key, units, expected in (
        ("a", 5, "in_stock"),
        ("b", 2, "low_stock"),
        ("c", 1, "low_stock"),
        ("d", 2, "out_of_stock"),
    ):
        write(hold, order_system, [{"product": product.pk, "quantity": units}], key=key)
        assert shown() == expected, key
    crossings = [
        event.changes["availability"]
        for event in ProductChangeEvent.objects.filter(product_id=product.pk).order_by("id")
        if "availability" in event.changes
    ]
    assert crossings == [
        ["out_of_stock", "in_stock"],
        ["in_stock", "low_stock"],
        ["low_stock", "out_of_stock"],
    ]
    # a location taken out of service takes its stock out of availability
    write(receive, admin, product.pk, warehouse, 20)
    assert shown() == "in_stock"
    write(admin.patch, f"{LOCATION}{warehouse}/", {"active": False}, format="json")
    assert shown() == "out_of_stock"


def test_stock_audit_names_a_level_that_is_not_its_movements(admin, product, warehouse):
    receive(admin, product.pk, warehouse, 5)
    call_command("stock_audit", stdout=io.StringIO())
    StockLevel.objects.filter(product=product).update(on_hand=7)  # behind the ledger's back
    errors = io.StringIO()
    with pytest.raises(CommandError, match="1 stock level"):
        call_command("stock_audit", stdout=io.StringIO(), stderr=errors)
    assert '"on_hand": 7, "reserved": 0, "movements_on_hand": 5' in errors.getvalue()


def test_the_database_refuses_overselling_and_rewriting_the_ledger(admin, product, warehouse):
    receive(admin, product.pk, warehouse, 2)
    levels = StockLevel.objects.filter(product=product)
    for change in ({"reserved": 3}, {"on_hand": -1}, {"reserved": -1}):
        with pytest.raises(DatabaseError), transaction.atomic():
            levels.update(**change)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            StockMovement.objects.update(note="rewritten")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            StockMovement.objects.all().delete()
    assert StockMovement.objects.get().on_hand_delta == 2


def test_a_product_with_stock_on_record_is_not_deleted(admin, product, warehouse):
    receive(admin, product.pk, warehouse, 1)
    response = admin.delete(f"/api/v1/product/{product.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "product_in_use"
    assert admin.get(f"/api/v1/product/{product.pk}/").status_code == 200


@pytest.mark.timeout(300)
def test_stock_on_sqlite():
    pytest_on_sqlite("-k", "not crossings and not sqlite", HERE, timeout=280)


def test_a_crossing_notifies_every_admin_once(admin, admin_user, order_system, product, warehouse):
    """The order system's hold that empties the product is one change event, fanned out to
    every admin (the actor is no admin); the holds before it, which changed nothing shown,
    are none."""
    from catalog_service.accounts.tests.factories import AdminFactory
    from catalog_service.notifications.models import Delivery
    from catalog_service.notifications.services import events_fan_out

    others = AdminFactory.create_batch(2)
    receive(admin, product.pk, warehouse, 3)
    events_fan_out()
    for key in ("a", "b", "c"):
        assert (
            hold(order_system, [{"product": product.pk, "quantity": 1}], key=key).status_code == 201
        )
    events_fan_out()
    event = ProductChangeEvent.objects.filter(product_id=product.pk).latest("id")
    assert event.changes == {"availability": ["in_stock", "out_of_stock"]}
    assert event.actor_username == "orders"
    recipients = sorted(Delivery.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert recipients == sorted([admin_user.pk, *(other.pk for other in others)])


def test_locations_codes_are_unique_and_an_empty_location_changes_freely(admin, warehouse, store):
    taken = admin.patch(f"{LOCATION}{store}/", {"code": "wh-1"}, format="json")
    assert taken.status_code == 409
    assert taken.json()["code"] == "location_code_taken"
    assert taken.json()["fields"] == {"code": ["A location with code 'wh-1' already exists."]}
    again = admin.post(LOCATION, {"code": "wh-1", "name": "Again"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "location_code_taken"
    # a location that holds nothing: (de)activating it changes no product
    for active in (False, True):
        response = admin.put(
            f"{LOCATION}{store}/",
            {"code": "store-1", "name": "Store", "active": active},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["active"] is active


def test_idempotency_keys_are_forgotten_after_their_time(admin, product, warehouse, settings):
    from catalog_service.inventory.models import IdempotentRequest

    receive(admin, product.pk, warehouse, 5)
    assert hold(admin, [{"product": product.pk, "quantity": 1}], key="old").status_code == 201
    assert hold(admin, [{"product": product.pk, "quantity": 1}], key="new").status_code == 201
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_SECONDS + 1)
    )
    assert services.idempotent_requests_prune() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
    assert Reservation.objects.count() == 2  # the reservations stay
