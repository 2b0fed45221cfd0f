from catalog_service.catalog.models import Brand, Product
from catalog_service.catalog.tests.factories import BrandFactory

URL = "/api/v1/brand/"


def test_brand_list_is_readable_anonymously(anon, brand):
    body = anon.get(URL).json()
    assert body["count"] == 1
    assert body["results"][0]["name"] == "Denon"


def test_brand_create(admin):
    response = admin.post(URL, {"name": "  Marantz "}, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "Marantz"
    assert Brand.objects.get().name == "Marantz"


def test_brand_create_duplicate_name_ignoring_case_is_409(admin, brand):
    response = admin.post(URL, {"name": "DENON"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "brand_name_taken"
    assert Brand.objects.count() == 1


def test_brand_create_blank_name_is_400(admin):
    response = admin.post(URL, {"name": "   "}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["fields"]


def test_brand_rename(admin, brand):
    response = admin.patch(f"{URL}{brand.id}/", {"name": "Denon Japan"}, format="json")
    assert response.status_code == 200
    brand.refresh_from_db()
    assert brand.name == "Denon Japan"


def test_brand_delete_with_products_is_409_and_deletes_nothing(admin, product):
    response = admin.delete(f"{URL}{product.brand_id}/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "brand_in_use"
    assert "1 product" in body["message"]
    assert Brand.objects.filter(pk=product.brand_id).exists()
    assert Product.objects.filter(pk=product.pk).exists()


def test_brand_delete_without_products(admin):
    brand = BrandFactory()
    assert admin.delete(f"{URL}{brand.id}/").status_code == 204
    assert not Brand.objects.filter(pk=brand.pk).exists()
