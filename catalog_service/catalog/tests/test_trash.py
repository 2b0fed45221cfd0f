"""The trash: a deleted product is gone for every reader, restorable with its id, history and
counts until it is purged; its SKU stays reserved meanwhile."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog_service.analytics.models import ProductDailyViews
from catalog_service.catalog import services
from catalog_service.catalog.models import Product, TrashedProduct
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.notifications.models import ProductChangeEvent

URL = "/api/v1/product/"


def _trash(admin, product, **params):
    query = "?purge=true" if params.get("purge") else ""
    response = admin.delete(f"{URL}{product.pk}/{query}")
    assert response.status_code == 204, response.content


def test_delete_moves_the_product_to_the_trash_and_hides_it(admin, anon, product, admin_user):
    _trash(admin, product)
    assert not Product.objects.filter(pk=product.pk).exists()
    trashed = TrashedProduct.objects.get(pk=product.pk)
    assert (trashed.sku, trashed.price, trashed.trashed_by) == (
        product.sku,
        product.price,
        admin_user,
    )
    assert anon.get(f"{URL}{product.pk}/").status_code == 404
    assert admin.get(f"{URL}{product.pk}/").status_code == 404
    assert admin.get(URL).json()["count"] == 0
    body = admin.get(f"{URL}trash/").json()
    assert body["count"] == 1
    [row] = body["results"]
    assert (row["id"], row["sku"]) == (product.pk, product.sku)
    assert row["trashed_by"] == admin_user.username
    assert row["purge_at"].startswith((trashed.trashed_at + timedelta(days=30)).date().isoformat())


def test_restore_brings_back_the_id_history_and_counts(admin, anon, product):
    ProductDailyViews.objects.create(product_id=product.pk, day=timezone.now().date(), views=7)
    created_at = product.created_at
    _trash(admin, product)
    response = admin.post(f"{URL}{product.pk}/restore/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["sku"], body["views"]) == (product.pk, product.sku, 7)
    assert Product.objects.get(pk=product.pk).created_at == created_at
    assert not TrashedProduct.objects.exists()
    assert anon.get(f"{URL}{product.pk}/").status_code == 200
    actions = list(
        ProductChangeEvent.objects.filter(product_id=product.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["deleted", "restored"]
    again = admin.post(f"{URL}{product.pk}/restore/")
    assert (again.status_code, again.json()["code"]) == (404, "not_found")


def test_a_trashed_sku_stays_reserved(admin, product, brand):
    _trash(admin, product)
    response = admin.post(
        URL, {"sku": product.sku.lower(), "name": "N", "price": "1.00", "brand": brand.pk}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "sku_in_trash"
    assert str(product.pk) in body["message"]


def test_restore_is_refused_if_the_sku_was_taken_meanwhile(admin, product, brand, admin_user):
    _trash(admin, product)
    # Only a race with the deletion can do this: a product written past the reservation.
    Product.objects.create(sku=product.sku, name="Other", price=1, brand=brand)
    response = admin.post(f"{URL}{product.pk}/restore/")
    assert (response.status_code, response.json()["code"]) == (409, "sku_taken")
    assert TrashedProduct.objects.filter(pk=product.pk).exists()


def test_purge_now_frees_the_sku_for_a_product_or_a_trashed_one(admin, brand):
    live, trashed = ProductFactory(brand=brand), ProductFactory(brand=brand)
    _trash(admin, trashed)
    _trash(admin, trashed, purge=True)  # from the trash
    _trash(admin, live, purge=True)  # straight from the catalog
    assert not Product.objects.exists() and not TrashedProduct.objects.exists()
    for sku in (live.sku, trashed.sku):
        response = admin.post(URL, {"sku": sku, "name": "N", "price": "1.00", "brand": brand.pk})
        assert response.status_code == 201, response.content
    assert admin.delete(f"{URL}{trashed.pk}/?purge=true").status_code == 404


def test_purge_flag_must_be_a_boolean(admin, product):
    response = admin.delete(f"{URL}{product.pk}/?purge=maybe")
    assert response.status_code == 400
    assert Product.objects.filter(pk=product.pk).exists()


def test_periodic_purge_takes_only_what_is_older_than_the_retention(admin, brand, settings):
    settings.TRASH_RETENTION_DAYS = 30
    old, recent = ProductFactory(brand=brand), ProductFactory(brand=brand)
    _trash(admin, old)
    _trash(admin, recent)
    TrashedProduct.objects.filter(pk=old.pk).update(trashed_at=timezone.now() - timedelta(days=31))
    assert services.trash_purge_expired() == 1
    assert list(TrashedProduct.objects.values_list("pk", flat=True)) == [recent.pk]


def test_trash_is_for_admins_only(anon, member, product):
    assert anon.get(f"{URL}trash/").status_code == 401
    assert member.get(f"{URL}trash/").status_code == 403
    assert member.post(f"{URL}{product.pk}/restore/").status_code == 403


def test_a_brand_used_only_in_the_trash_cannot_be_deleted(admin, product):
    _trash(admin, product)
    response = admin.delete(f"/api/v1/brand/{product.brand_id}/")
    assert response.status_code == 409
    assert "1 in the trash" in response.json()["message"]


@pytest.mark.django_db(transaction=True)
def test_trashed_product_is_404_on_the_next_anonymous_read_with_the_cache(anon, admin, cached):
    product = ProductFactory()
    assert anon.get(f"{URL}{product.pk}/").status_code == 200
    assert anon.get(f"{URL}?brand={product.brand_id}").json()["count"] == 1
    _trash(admin, product)
    assert anon.get(f"{URL}{product.pk}/").status_code == 404
    assert anon.get(f"{URL}?brand={product.brand_id}").json()["count"] == 0
    assert admin.post(f"{URL}{product.pk}/restore/").status_code == 200
    assert anon.get(f"{URL}{product.pk}/").json()["sku"] == product.sku
