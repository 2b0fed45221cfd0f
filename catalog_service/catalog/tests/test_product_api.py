from decimal import Decimal

import pytest

from catalog_service.catalog.models import Product
from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory

URL = "/api/v1/product/"
PUBLIC_FIELDS = {
    *("id", "sku", "name", "price", "brand", "category", "availability"),
    *("created_at", "updated_at"),
}


def detail(product_id):
    return f"{URL}{product_id}/"


@pytest.fixture
def payload(brand):
    return {"sku": "00102-SKU", "name": "Donitas", "price": 12.50, "brand": brand.id}


def test_product_create_stores_decimal_price_and_shows_brand(admin, payload, brand):
    response = admin.post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["price"] == "12.50"
    assert body["brand"] == {"id": brand.id, "name": "Denon"}
    assert set(body) == {*PUBLIC_FIELDS, "views", "impressions", "stock"}
    assert (body["availability"], body["stock"]) == ("out_of_stock", [])
    assert (body["views"], body["impressions"]) == (0, 0)
    assert Product.objects.get(pk=body["id"]).price == Decimal("12.50")


def test_product_create_trims_sku(admin, payload):
    payload["sku"] = "  ABC-1  "
    response = admin.post(URL, payload, format="json")
    assert response.status_code == 201
    assert Product.objects.get().sku == "ABC-1"


def test_product_create_duplicate_sku_in_other_case_is_409(admin, payload, product):
    payload["sku"] = " 00105-sku "
    response = admin.post(URL, payload, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "sku_taken"
    assert "sku" in body["fields"]
    assert Product.objects.count() == 1


def test_product_update_to_existing_sku_is_409(admin, product):
    other = ProductFactory(sku="OTHER-1", brand=product.brand)
    response = admin.patch(detail(other.id), {"sku": "00105-sku"}, format="json")
    assert response.status_code == 409
    other.refresh_from_db()
    assert other.sku == "OTHER-1"


@pytest.mark.parametrize(
    ("price", "message_part"),
    [
        (-1, "greater than or equal to 0"),
        ("12.505", "decimal places"),
        ("abc", "valid number"),
        ("NaN", "valid number"),
        ("Infinity", "valid number"),
        ("10000000.00", "no more than 9 digits"),
    ],
)
def test_product_create_rejects_bad_price(admin, payload, price, message_part):
    payload["price"] = price
    response = admin.post(URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert message_part in " ".join(body["fields"]["price"])
    assert not Product.objects.exists()


def test_product_create_rejects_three_decimal_json_number(admin, payload):
    body = f'{{"sku": "X1", "name": "N", "price": 12.505, "brand": {payload["brand"]}}}'
    response = admin.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "price" in response.json()["fields"]


def test_product_create_unknown_brand_is_400(admin, payload):
    payload["brand"] = 999_999
    response = admin.post(URL, payload, format="json")
    assert response.status_code == 400
    assert "brand" in response.json()["fields"]


def test_product_create_name_too_long_is_400(admin, payload):
    payload["name"] = "x" * 10_000
    response = admin.post(URL, payload, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["fields"]


def test_product_create_missing_fields_lists_each(admin):
    response = admin.post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"sku", "name", "price", "brand"}


def test_product_create_malformed_json_is_400(admin):
    response = admin.post(URL, '{"sku": "A", ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_product_create_wrong_content_type_is_415(admin):
    response = admin.post(URL, "sku=A&name=B", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_product_patch_changes_only_given_fields(admin, product):
    response = admin.patch(detail(product.id), {"price": 30.50}, format="json")
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.price == Decimal("30.50")
    assert product.name == "CD Player"


def test_product_put_replaces(admin, product):
    brand = BrandFactory(name="Sony")
    body = {"sku": "NEW", "name": "Walkman", "price": "99.00", "brand": brand.id}
    response = admin.put(detail(product.id), body, format="json")
    assert response.status_code == 200
    assert response.json()["brand"]["name"] == "Sony"
    product.refresh_from_db()
    assert (product.sku, product.name, product.brand_id) == ("NEW", "Walkman", brand.id)


def test_product_put_missing_field_is_400(admin, product):
    response = admin.put(detail(product.id), {"name": "Only"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"sku", "price", "brand"}
    product.refresh_from_db()
    assert product.name == "CD Player"


def test_product_delete(admin, product):
    assert admin.delete(detail(product.id)).status_code == 204
    assert not Product.objects.exists()


def test_product_unknown_id_is_404(anon, db):
    response = anon.get(detail(424242))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


@pytest.mark.parametrize("product_id", ["424242", "0", "99999999999999999999", "abc"])
def test_product_write_to_unknown_id_is_404_and_writes_nothing(admin, product, product_id):
    url = f"{URL}{product_id}/"
    for response in (
        admin.patch(url, {"price": "1.00"}, format="json"),
        admin.put(url, {"sku": "X", "name": "Y", "price": "1.00", "brand": product.brand_id}),
        admin.delete(url),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    product.refresh_from_db()
    assert product.price != Decimal("1.00")
    assert Product.objects.count() == 1


def test_product_patch_stores_every_changed_column_and_the_timestamp(admin, product):
    before = product.updated_at
    other = BrandFactory(name="Marantz")
    body = {"name": "CD Deck", "price": "12.30", "brand": other.id}
    response = admin.patch(detail(product.id), body, format="json")
    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.name, product.price, product.brand_id) == (
        "CD Deck",
        Decimal("12.30"),
        other.id,
    )
    assert product.updated_at > before
    assert response.json()["updated_at"] == product.updated_at.isoformat().replace("+00:00", "Z")
    assert response.json()["brand"] == {"id": other.id, "name": "Marantz"}


def test_product_method_not_allowed_is_405(admin):
    response = admin.put(URL, {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_product_anonymous_detail_has_no_counters(anon, product):
    body = anon.get(detail(product.id)).json()
    assert set(body) == PUBLIC_FIELDS
    assert set(anon.get(URL).json()["results"][0]) == PUBLIC_FIELDS


def test_product_update_answers_with_brand_and_all_time_counts(admin, product):
    from datetime import date

    from catalog_service.analytics.models import ProductDailyViews

    ProductDailyViews.objects.create(
        product_id=product.id, day=date(2026, 1, 1), views=3, impressions=7
    )
    ProductDailyViews.objects.create(
        product_id=product.id, day=date(2026, 1, 2), views=4, impressions=1
    )
    response = admin.patch(detail(product.id), {"price": "10.00"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["views"], body["impressions"]) == ("10.00", 7, 8)
    assert body["brand"] == {"id": product.brand_id, "name": product.brand.name}
