"""The catalog's write rules, by the values they leave: what is stored, returned and said."""

from decimal import Decimal

import pytest
from rest_framework.exceptions import ValidationError

from catalog_service.catalog import services
from catalog_service.catalog.models import Brand, Product
from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory
from catalog_service.notifications.models import ProductChangeEvent

PRODUCT_URL = "/api/v1/product/"
BRAND_URL = "/api/v1/brand/"


def test_sku_conflict_names_the_sku_and_its_field(admin, product):
    body = {"sku": "00105-sku", "name": "Other", "price": "1.00", "brand": product.brand_id}
    response = admin.post(PRODUCT_URL, body, format="json")
    assert response.status_code == 409
    message = "A product with SKU '00105-sku' already exists."
    assert response.json() == {
        "code": "sku_taken",
        "message": message,
        "fields": {"sku": [message]},
    }


def test_product_sku_renamed_only_in_case_is_stored(admin, product):
    response = admin.patch(f"{PRODUCT_URL}{product.id}/", {"sku": "00105-sku"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["sku"] == "00105-sku"
    product.refresh_from_db()
    assert product.sku == "00105-sku"
    event = ProductChangeEvent.objects.get(action="updated")
    assert event.changes == {"sku": ["00105-SKU", "00105-sku"]}


def test_product_update_returns_the_changed_product(admin_user, product):
    brand = BrandFactory(name="Sony")
    data = {"sku": "NEW-1", "name": "Walkman", "price": Decimal("99.00"), "brand": brand}
    returned = services.product_update(product=product, actor=admin_user, data=data)
    assert returned is product
    stored = Product.objects.get(pk=product.pk)
    assert (stored.sku, stored.name, stored.price, stored.brand_id) == (
        "NEW-1",
        "Walkman",
        Decimal("99.00"),
        brand.id,
    )
    event = ProductChangeEvent.objects.get(action="updated")
    assert event.changes == {
        "sku": ["00105-SKU", "NEW-1"],
        "name": ["CD Player", "Walkman"],
        "price": ["12.50", "99.00"],
        "brand": ["Denon", "Sony"],
    }


def test_product_update_that_changes_nothing_writes_nothing(admin_user, product):
    before = Product.objects.get(pk=product.pk).updated_at
    data = {"sku": " 00105-SKU ", "name": "CD Player", "price": Decimal("12.50")}
    assert services.product_update(product=product, actor=admin_user, data=data) is product
    assert Product.objects.get(pk=product.pk).updated_at == before
    assert not ProductChangeEvent.objects.filter(action="updated").exists()


def test_negative_zero_price_is_stored_as_zero(admin_user, brand):
    product = services.product_create(
        actor=admin_user, sku="Z-1", name="Free", price=Decimal("-0.00"), brand=brand
    )
    assert str(product.price) == "0.00"
    assert str(Product.objects.get(pk=product.pk).price) == "0.00"
    services.product_update(product=product, actor=admin_user, data={"price": Decimal("-0")})
    assert str(product.price) == "0.00"


def test_a_price_of_one_is_kept(admin_user, brand):
    product = services.product_create(
        actor=admin_user, sku="O-1", name="One", price=Decimal("1.00"), brand=brand
    )
    assert Product.objects.get(pk=product.pk).price == Decimal("1.00")


@pytest.mark.parametrize(("field", "value"), [("sku", "A\nB"), ("name", "Line\rbreak")])
def test_product_text_on_two_lines_is_refused_on_its_field(admin_user, brand, field, value):
    data = {"sku": "L-1", "name": "Line", "price": Decimal("1.00"), "brand": brand, field: value}
    with pytest.raises(ValidationError) as refused:
        services.product_create(actor=admin_user, **data)
    assert refused.value.detail == {field: ["Control characters and line breaks are not allowed."]}
    assert not Product.objects.exists()


def test_brand_name_on_two_lines_is_refused_on_its_field(db):
    with pytest.raises(ValidationError) as refused:
        services.brand_create(name="Den\non")
    assert refused.value.detail == {"name": ["Control characters and line breaks are not allowed."]}
    assert not Brand.objects.exists()


def test_brand_conflict_names_the_brand_and_its_field(admin, brand):
    response = admin.post(BRAND_URL, {"name": "DENON"}, format="json")
    assert response.status_code == 409
    message = "A brand named 'DENON' already exists."
    assert response.json() == {
        "code": "brand_name_taken",
        "message": message,
        "fields": {"name": [message]},
    }


def test_brand_renamed_only_in_case_is_stored(admin, brand):
    response = admin.patch(f"{BRAND_URL}{brand.id}/", {"name": "DENON"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "DENON"
    assert Brand.objects.get(pk=brand.pk).name == "DENON"


def test_brand_rename_to_another_brands_name_is_refused(db, brand):
    other = BrandFactory(name="Sony")
    with pytest.raises(services.BrandNameTakenError) as refused:
        services.brand_update(brand=other, name=" denon ")
    assert str(refused.value.detail) == "A brand named 'denon' already exists."
    assert Brand.objects.get(pk=other.pk).name == "Sony"


def test_brand_update_returns_the_renamed_brand(db, brand):
    returned = services.brand_update(brand=brand, name="  Denon Japan ")
    assert returned is brand
    assert returned.name == "Denon Japan"
    assert Brand.objects.get(pk=brand.pk).name == "Denon Japan"


@pytest.mark.parametrize("name", [None, "Denon", " Denon "])
def test_brand_update_without_a_new_name_writes_nothing(db, brand, name):
    before = Brand.objects.get(pk=brand.pk).updated_at
    assert services.brand_update(brand=brand, name=name) is brand
    stored = Brand.objects.get(pk=brand.pk)
    assert (stored.name, stored.updated_at) == ("Denon", before)


def test_brand_in_use_says_how_many_products_it_still_has(admin, brand):
    ProductFactory.create_batch(2, brand=brand)
    response = admin.delete(f"{BRAND_URL}{brand.id}/")
    assert response.status_code == 409
    assert response.json() == {
        "code": "brand_in_use",
        "message": "Brand 'Denon' still has 2 product(s) and 0 in the trash; delete or move "
        "them (and purge the trash) before deleting the brand.",
    }
    assert Brand.objects.filter(pk=brand.pk).exists()


def test_the_friendly_checks_see_other_cases(db, product):
    """Ahead of the unique indexes (which settle races), so the conflict is found before any
    write; each check leaves the row it is about out."""
    with pytest.raises(services.SkuTakenError):
        services._ensure_sku_free("00105-sku")
    services._ensure_sku_free("00105-sku", exclude_pk=product.pk)
    with pytest.raises(services.BrandNameTakenError):
        services._ensure_brand_name_free("DENON")
    services._ensure_brand_name_free("DENON", exclude_pk=product.brand_id)
