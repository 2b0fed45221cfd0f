"""The Django admin writes through the same services as the API."""

import pytest

from catalog_service.bulk import imports
from catalog_service.catalog.models import Brand, Product, TrashedProduct
from catalog_service.notifications.models import ProductChangeEvent


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


def test_django_admin_deletes_to_the_trash_and_restores_from_it(admin_site, product):
    response = admin_site.post(f"/admin/catalog/product/{product.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    assert TrashedProduct.objects.filter(pk=product.pk).exists()
    listing = admin_site.get("/admin/catalog/trashedproduct/")
    assert product.sku in listing.content.decode()
    response = admin_site.post(
        "/admin/catalog/trashedproduct/",
        {"action": "restore", "_selected_action": [product.pk]},
    )
    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).sku == product.sku
    assert not TrashedProduct.objects.exists()
    assert list(
        ProductChangeEvent.objects.filter(product_id=product.pk).values_list("action", flat=True)
    ) == ["restored", "deleted"]  # newest first


def test_django_admin_lists_import_jobs(admin_site, admin_user, brand):
    job = imports.job_create(
        content=b"sku,name,price,brand\nA-1,Amp,1.00,Denon\n", actor=admin_user
    )
    imports.job_run(job.pk)
    page = admin_site.get("/admin/bulk/importjob/").content.decode()
    assert "succeeded" in page
