"""Stock in the Django admin: locations are edited through the services (a deactivation takes
the location's stock out of availability); levels, the ledger and reservations are read-only."""

import pytest

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.inventory import services
from catalog_service.inventory.models import Location, StockLevel, StockMovement


@pytest.fixture
def admin_site(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def stocked(product):
    location = Location.objects.create(code="wh", name="Warehouse")
    services.stock_move(
        product=product, location=location, delta=5, reason="receipt", actor=AdminFactory()
    )
    return location


def test_deactivating_a_location_in_the_admin_updates_availability(admin_site, product, stocked):
    product.refresh_from_db()
    assert product.availability == "in_stock"
    response = admin_site.post(
        f"/admin/inventory/location/{stocked.pk}/change/",
        {"code": "wh", "name": "Warehouse", "active": ""},
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.availability == "out_of_stock"


@pytest.mark.parametrize("model", ["stocklevel", "stockmovement", "reservation"])
def test_stock_is_read_only_in_the_admin(admin_site, stocked, model):
    assert admin_site.get(f"/admin/inventory/{model}/").status_code == 200
    assert admin_site.get(f"/admin/inventory/{model}/add/").status_code == 403


def test_a_level_cannot_be_edited_in_the_admin(admin_site, product, stocked):
    level = StockLevel.objects.get()
    response = admin_site.post(
        f"/admin/inventory/stocklevel/{level.pk}/change/",
        {"on_hand": 500, "reserved": 0, "low_stock_threshold": 0},
    )
    assert response.status_code == 403
    level.refresh_from_db()
    assert (level.on_hand, StockMovement.objects.count()) == (5, 1)
