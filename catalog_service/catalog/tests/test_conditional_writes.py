"""Lost updates between admins: ETag on reads, If-Match on writes, 412 when it no longer matches."""

import pytest

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.catalog.models import Product
from conftest import client_for


@pytest.fixture
def second_admin(db):
    return client_for(AdminFactory())


def test_detail_carries_an_etag_that_changes_with_each_write(admin, product):
    first = admin.get(f"/api/v1/product/{product.id}/")["ETag"]
    response = admin.patch(f"/api/v1/product/{product.id}/", {"name": "New"}, HTTP_IF_MATCH=first)
    assert response.status_code == 200
    assert response["ETag"] != first
    assert admin.get(f"/api/v1/product/{product.id}/")["ETag"] == response["ETag"]


def test_interleaved_admins_second_write_is_412(admin, second_admin, product):
    url = f"/api/v1/product/{product.id}/"
    etag_a = admin.get(url)["ETag"]
    etag_b = second_admin.get(url)["ETag"]
    assert admin.patch(url, {"price": "20.00"}, HTTP_IF_MATCH=etag_a).status_code == 200
    stale = second_admin.patch(url, {"price": "15.00"}, HTTP_IF_MATCH=etag_b)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    product.refresh_from_db()
    assert str(product.price) == "20.00"
    fresh = second_admin.get(url)["ETag"]
    assert second_admin.patch(url, {"price": "15.00"}, HTTP_IF_MATCH=fresh).status_code == 200


def test_stale_delete_is_412_and_deletes_nothing(admin, second_admin, product):
    url = f"/api/v1/product/{product.id}/"
    etag = second_admin.get(url)["ETag"]
    admin.patch(url, {"name": "Changed"})
    assert second_admin.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert Product.objects.filter(pk=product.pk).exists()


def test_write_without_if_match_is_allowed(admin, product):
    response = admin.patch(f"/api/v1/product/{product.id}/", {"name": "No header"})
    assert response.status_code == 200
    assert response.json()["name"] == "No header"
    product.refresh_from_db()
    assert product.name == "No header"


def test_if_match_star_matches_any_version(admin, product):
    response = admin.put(
        f"/api/v1/product/{product.id}/",
        {"sku": "S", "name": "N", "price": "1.00", "brand": product.brand_id},
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.sku, product.name, str(product.price)) == ("S", "N", "1.00")


def test_brand_writes_honour_if_match(admin, second_admin, brand):
    url = f"/api/v1/brand/{brand.id}/"
    etag = second_admin.get(url)["ETag"]
    assert admin.patch(url, {"name": "Denon Corp"}).status_code == 200
    stale = second_admin.patch(url, {"name": "Denon Inc"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    brand.refresh_from_db()
    assert brand.name == "Denon Corp"
