from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog_service.accounts.models import User
from catalog_service.accounts.services import user_create
from catalog_service.catalog.models import Brand, Product
from catalog_service.catalog.services import brand_create, brand_delete, product_create
from catalog_service.notifications.models import Delivery, ProductChangeEvent

PASSWORD = "demo-test-Passw0rd"


@pytest.fixture
def demo_env(db, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", PASSWORD)


def run() -> str:
    out = StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def snapshot() -> tuple:
    return (
        list(User.objects.order_by("pk").values()),
        list(Brand.objects.order_by("pk").values()),
        list(Product.objects.order_by("pk").values()),
    )


def test_loads_the_ids_the_old_collection_uses(demo_env):
    run()
    assert list(User.objects.order_by("pk").values_list("pk", "username")) == [
        (1, "admin"),
        (2, "editor"),
        (3, "member"),
        (4, "leaver"),
    ]
    admin = User.objects.get(pk=1)
    assert admin.is_admin and admin.is_superuser
    assert admin.check_password(PASSWORD)
    assert list(Brand.objects.order_by("pk").values_list("pk", flat=True)) == [1, 2, 3, 4]
    assert list(Product.objects.order_by("pk").values_list("pk", flat=True)) == list(range(1, 19))
    # "delete brand" deletes brand 2 and "add products" uses brand 4.
    assert not Product.objects.filter(brand_id=2).exists()
    assert Product.objects.get(pk=16).brand_id == 4


def test_writes_go_through_the_services(demo_env):
    run()
    # product_create records every creation in the change history; the admin is the only
    # admin while products are created, so nobody is notified.
    assert ProductChangeEvent.objects.filter(action="created").count() == 18
    assert not Delivery.objects.exists()


def test_the_next_rows_get_the_next_ids_even_after_deleted_rows(demo_env):
    # Rows created and deleted before leave the sequences advanced on an empty table.
    brand_delete(brand=brand_create(name="Gone"))
    run()
    assert Brand.objects.order_by("pk").first().pk == 1
    admin = User.objects.get(pk=1)
    brand = brand_create(name="Denon")
    product = product_create(
        actor=admin, sku="00105-SKU", name="CD Player", price=Decimal("12.50"), brand=brand
    )
    user = user_create(username="delete", email="delete@example.com", password="1qaz0plm_")
    assert (brand.pk, product.pk, user.pk) == (5, 19, 5)


def test_fails_and_loads_nothing_when_an_id_comes_out_wrong(demo_env, monkeypatch):
    brand_delete(brand=brand_create(name="Gone"))
    monkeypatch.setattr(connection.ops, "sequence_reset_by_name_sql", lambda style, seqs: [])
    with pytest.raises(CommandError, match="instead of 1"):
        run()
    assert snapshot() == ([], [], [])


def test_running_twice_leaves_the_same_data(demo_env, monkeypatch):
    run()
    before = snapshot()
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "another-Passw0rd-entirely")
    assert "already there; nothing changed" in run()
    assert snapshot() == before
    assert User.objects.get(pk=1).check_password(PASSWORD)


def test_refused_on_a_database_holding_other_data(demo_env):
    brand_create(name="Somebody else's brand")
    with pytest.raises(CommandError, match=r"not empty \(users: 0, brands: 1, products: 0\)"):
        run()
    assert list(Brand.objects.values_list("name", flat=True)) == ["Somebody else's brand"]
    assert not User.objects.exists()


def test_refused_with_debug_off(demo_env, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        run()
    assert snapshot() == ([], [], [])


def test_refused_without_the_admin_password(demo_env, monkeypatch):
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD")
    with pytest.raises(CommandError, match="DEMO_ADMIN_PASSWORD"):
        run()
    assert snapshot() == ([], [], [])


def test_a_weak_admin_password_is_refused_by_the_services(demo_env, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "admin")
    with pytest.raises(CommandError, match="nothing was loaded"):
        run()
    assert snapshot() == ([], [], [])
