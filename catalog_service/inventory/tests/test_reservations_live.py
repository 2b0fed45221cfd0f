"""Reservations against the running API (gunicorn, several workers and threads, PostgreSQL),
from many clients at the same instant: no oversell, no deadlock reaching a client, and a process
killed in the middle of reservations loses nothing."""

import io
import time
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests
from django.core.management import call_command
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.inventory import services
from catalog_service.inventory.models import Location, Reservation, StockLevel, StockMovement
from catalog_service.notifications.models import ProductChangeEvent

CLIENTS = 60


def _server(live_api, settings):
    # 3 workers x 8 threads (LiveServer): reservations really run side by side
    return live_api(REDIS_URL=settings.REDIS_URL, THROTTLE_ANON_RATE="", THROTTLE_AUTH_RATE="")


def _stocked(brand, units: int, *, products: int = 1):
    location = Location.objects.create(code="wh", name="Warehouse")
    admin = AdminFactory()
    stocked = []
    for _ in range(products):
        product = ProductFactory(brand=brand)
        services.stock_move(
            product=product, location=location, delta=units, reason="receipt", actor=admin
        )
        stocked.append(product)
    return admin, location, stocked


def _all_at_once(count: int, send):
    barrier = Barrier(count)

    def one(index):
        barrier.wait()
        return send(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _audited():
    call_command("stock_audit", stdout=io.StringIO())  # raises when a level is not its ledger
    return True


@pytest.mark.timeout(180)
def test_60_clients_reserving_2_of_100_units_hold_exactly_50(live_api, redis_db, settings, brand):
    server = _server(live_api, settings)
    admin, location, [product] = _stocked(brand, 100)
    token = str(RefreshToken.for_user(admin).access_token)

    def reserve(index):
        return requests.post(
            f"{server.url}/api/v1/reservation/",
            json={"lines": [{"product": product.pk, "quantity": 2}]},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"order-{index}"},
            timeout=60,
        )

    responses = _all_at_once(CLIENTS, reserve)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 50 + [409] * 10, [r.text for r in responses if r.status_code > 409]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["code"] == "insufficient_stock"
    assert refused["lines"][0]["available"] == 0
    level = StockLevel.objects.get(product=product, location=location)
    assert (level.on_hand, level.reserved) == (100, 100)
    assert Reservation.objects.count() == 50
    assert StockMovement.objects.filter(reason="reservation").count() == 50
    assert _audited()
    product.refresh_from_db()
    assert product.availability == "out_of_stock"
    # one crossing, one event: not one per reservation
    crossings = ProductChangeEvent.objects.filter(
        product_id=product.pk, changes__has_key="availability"
    )
    assert crossings.count() == 2  # out -> in at the receipt, in -> out at the 50th hold


@pytest.mark.timeout(180)
def test_two_line_reservations_in_opposite_orders_never_deadlock(
    live_api, redis_db, settings, brand
):
    server = _server(live_api, settings)
    admin, location, (first, second) = _stocked(brand, 1000, products=2)
    token = str(RefreshToken.for_user(admin).access_token)

    def reserve(index):
        lines = [{"product": first.pk, "quantity": 1}, {"product": second.pk, "quantity": 1}]
        return requests.post(
            f"{server.url}/api/v1/reservation/",
            json={"lines": lines if index % 2 else lines[::-1]},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"order-{index}"},
            timeout=60,
        )

    responses = _all_at_once(40, reserve)
    assert [r.status_code for r in responses] == [201] * 40, [r.text for r in responses]
    for product in (first, second):
        assert StockLevel.objects.get(product=product, location=location).reserved == 40
    assert _audited()


@pytest.mark.timeout(180)
def test_a_server_killed_mid_reservations_loses_nothing(live_api, redis_db, settings, brand):
    """SIGKILL of the whole server while 40 clients reserve: every reservation that was answered
    is held, and every level still equals its ledger (a transaction cut short leaves nothing)."""
    server = _server(live_api, settings)
    admin, location, [product] = _stocked(brand, 10_000)
    token = str(RefreshToken.for_user(admin).access_token)

    def reserve(index):
        try:
            return requests.post(
                f"{server.url}/api/v1/reservation/",
                json={"lines": [{"product": product.pk, "quantity": 1}]},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"order-{index}"},
                timeout=30,
            ).status_code
        except requests.RequestException:
            return None

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = pool.map(reserve, range(2000))
        time.sleep(1.0)
        server.kill()  # SIGKILL to its process group: the master and every worker
        answers = list(answers)
    held = answers.count(201)
    assert held > 0 and None in answers  # some answered before the kill, some cut off
    time.sleep(1.0)  # the killed backends' transactions roll back
    level = StockLevel.objects.get(product=product, location=location)
    assert level.reserved == Reservation.objects.count() >= held
    assert _audited()


@pytest.mark.timeout(180)
def test_the_worker_expires_what_was_held_and_a_late_commit_is_refused(
    live_api, celery_worker_process, redis_db, settings, brand
):
    """The API and a real worker with its scheduler: a reservation left alone past its time is
    released by the periodic task, exactly its units, and its commit afterwards is 409."""
    env = {
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "THROTTLE_ANON_RATE": "",
        "THROTTLE_AUTH_RATE": "",
        "RESERVATION_EXPIRY_SWEEP_SECONDS": "0.5",
    }
    server = live_api(**env)
    celery_worker_process(**env, WORKER_BEAT="true")
    admin, location, [product] = _stocked(brand, 10)
    headers = {"Authorization": f"Bearer {RefreshToken.for_user(admin).access_token}"}

    def reserve(key, quantity, ttl):
        return requests.post(
            f"{server.url}/api/v1/reservation/",
            json={"lines": [{"product": product.pk, "quantity": quantity}], "ttl_seconds": ttl},
            headers={**headers, "Idempotency-Key": key},
            timeout=30,
        )

    short, kept = reserve("short", 3, 1).json(), reserve("kept", 2, 600).json()
    level = StockLevel.objects.filter(product=product, location=location)
    assert level.get().reserved == 5
    deadline = time.monotonic() + 30
    while Reservation.objects.get(pk=short["id"]).status == "held":
        assert time.monotonic() < deadline, "the worker did not expire the reservation"
        time.sleep(0.2)
    assert Reservation.objects.get(pk=short["id"]).status == "expired"
    assert Reservation.objects.get(pk=kept["id"]).status == "held"
    assert (level.get().on_hand, level.get().reserved) == (10, 2)  # exactly its 3 units back
    assert StockMovement.objects.filter(reason="expiry").get().reserved_delta == -3
    late = requests.post(
        f"{server.url}/api/v1/reservation/{short['id']}/commit/", headers=headers, timeout=30
    )
    assert late.status_code == 409 and late.json()["code"] == "reservation_closed"
    assert _audited()
