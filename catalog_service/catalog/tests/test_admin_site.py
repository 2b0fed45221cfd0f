"""The Django admin writes through the same services as the API."""

import pytest

from catalog_service.catalog.models import Brand, Product


@pytest.fixture
def admin_site(client, admin_user):
    client.force_login(admin_user)
    return client


def test_brand_renamed_in_the_django_admin_refreshes_anonymous_reads(
    admin_site, anon, product, redis_db, settings, django_capture_on_commit_callbacks
):
    settings.PRODUCT_CACHE_SECONDS = 300
    assert anon.get(f"/api/v1/product/{product.id}/").json()["brand"]["name"] == "Denon"
    url = f"/admin/catalog/brand/{product.brand_id}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_site.post(url, {"name": "Denon Japan"})
    assert response.status_code == 302
    assert anon.get(f"/api/v1/product/{product.id}/").json()["brand"]["name"] == "Denon Japan"
    assert anon.get("/api/v1/product/").json()["results"][0]["brand"]["name"] == "Denon Japan"


def test_django_admin_refuses_control_characters_and_look_alike_skus(admin_site, product):
    form = {"sku": "NEW-1\r\nX", "name": "Fine", "price": "1.00", "brand": product.brand_id}
    response = admin_site.post("/admin/catalog/product/add/", form)
    assert response.status_code == 200  # the form again, with its error
    assert "Control characters and line breaks are not allowed." in response.content.decode()
    form["sku"] = f"{product.sku}\u200b"
    response = admin_site.post("/admin/catalog/product/add/", form)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    response = admin_site.post("/admin/catalog/brand/add/", {"name": "Bad\nBrand"})
    assert response.status_code == 200
    assert Product.objects.count() == 1
    assert Brand.objects.count() == 1
