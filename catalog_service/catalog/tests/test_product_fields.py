"""Product.WRITABLE_FIELDS is the one list of what admins write; every write surface follows it."""

from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.db import models
from rest_framework import serializers

from catalog_service.catalog import services
from catalog_service.catalog.models import Product
from catalog_service.catalog.serializers import ProductInputSerializer
from catalog_service.categories.tests.factories import CategoryFactory
from catalog_service.notifications.models import ProductChangeEvent

# Fields admins never write, by name. A new model field goes here or in Product.WRITABLE_FIELDS.
# availability: derived from stock by the inventory (catalog.services.product_availability_set)
NOT_WRITABLE = {"id", "created_at", "updated_at", "availability"}


def test_every_product_field_is_declared_writable_or_excluded():
    model_fields = [f.name for f in (*Product._meta.fields, *Product._meta.many_to_many)]
    undecided = set(model_fields) - set(Product.WRITABLE_FIELDS) - NOT_WRITABLE
    assert not undecided, (
        f"Product fields {sorted(undecided)}: add each to Product.WRITABLE_FIELDS if admins write "
        "it (docs/contributing.md), else to NOT_WRITABLE here"
    )
    assert not set(Product.WRITABLE_FIELDS) & NOT_WRITABLE
    for name in Product.WRITABLE_FIELDS:
        field = Product._meta.get_field(name)
        assert field.concrete and field.editable, name


def test_every_write_surface_takes_the_declared_fields_in_order(admin_user, rf):
    assert tuple(ProductInputSerializer().fields) == Product.WRITABLE_FIELDS
    assert services.PRODUCT_FIELDS == Product.WRITABLE_FIELDS
    request = rf.get("/admin/catalog/product/add/")
    request.user = admin_user
    form = django_admin.site._registry[Product].get_form(request)
    assert tuple(form.base_fields) == Product.WRITABLE_FIELDS


def test_input_limits_are_the_model_fields_limits():
    fields = ProductInputSerializer().fields
    for name in Product.WRITABLE_FIELDS:
        model_field = Product._meta.get_field(name)
        field = fields[name]
        assert field.required == (not model_field.null), name  # a nullable one may be left out
        if isinstance(model_field, models.CharField):
            assert field.max_length == model_field.max_length, name
            assert field.trim_whitespace and not field.allow_blank, name
        if isinstance(model_field, models.DecimalField):
            assert (field.max_digits, field.decimal_places) == (
                model_field.max_digits,
                model_field.decimal_places,
            )
    assert (fields["price"].min_value, fields["price"].max_value) == (0, Decimal("9999999.99"))


def test_input_fields_are_built_once_per_process(monkeypatch, brand):
    # Nothing reads the model per request: the model's fields were turned into declared fields
    # at import, and each instance copies those, as any plain Serializer does.
    def introspects(*args, **kwargs):
        raise AssertionError("the model is inspected per request")

    monkeypatch.setattr(serializers.ModelSerializer, "get_fields", introspects)
    data = {"sku": "X-1", "name": "Amp", "price": "1.00", "brand": brand.id}
    serializer = ProductInputSerializer(data=data)
    assert not isinstance(serializer, serializers.ModelSerializer)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["brand"] == brand


def test_product_create_takes_only_writable_fields(admin_user, brand):
    good = {"sku": "W-1", "name": "Amp", "price": Decimal("1.00"), "brand": brand}
    with pytest.raises(TypeError, match="not writable: created_at"):
        services.product_create(actor=admin_user, **good, created_at=None)
    with pytest.raises(TypeError, match="missing: price"):
        services.product_create(actor=admin_user, sku="W-1", name="Amp", brand=brand)
    assert not Product.objects.exists()


def test_every_writable_field_reaches_the_history_on_create_update_and_delete(admin_user, brand):
    audio = CategoryFactory(name="Audio", slug="audio")
    amplifiers = CategoryFactory(name="Amplifiers", slug="amplifiers", parent=audio)
    product = services.product_create(
        actor=admin_user,
        sku="W-1",
        name="Amp",
        price=Decimal("-0.00"),
        brand=brand,
        category=amplifiers,
    )
    services.product_update(product=product, actor=admin_user, data={"price": Decimal("12.50")})
    services.product_delete(product=product, actor=admin_user)
    created, updated, deleted = ProductChangeEvent.objects.order_by("pk")
    assert created.changes == {
        "sku": [None, "W-1"],
        "name": [None, "Amp"],
        "price": [None, "0.00"],  # a zero amount is never negative
        "brand": [None, "Denon"],
        "category": [None, "Audio / Amplifiers"],  # a category by its path
    }
    assert updated.changes == {"price": ["0.00", "12.50"]}
    assert set(deleted.changes) == set(Product.WRITABLE_FIELDS)  # jsonb keeps no key order
    assert deleted.changes["brand"] == ["Denon", None]


def test_django_admin_create_writes_and_records_every_writable_field(client, admin_user, brand):
    client.force_login(admin_user)
    form = {"sku": " ADM-1 ", "name": "Tuner", "price": "7.50", "brand": brand.id}
    response = client.post("/admin/catalog/product/add/", form)
    assert response.status_code == 302, response.content
    product = Product.objects.get()
    assert (product.sku, product.name, product.price, product.brand) == (
        "ADM-1",
        "Tuner",
        Decimal("7.50"),
        brand,
    )
    event = ProductChangeEvent.objects.get()
    assert event.changes == {
        "sku": [None, "ADM-1"],
        "name": [None, "Tuner"],
        "price": [None, "7.50"],
        "brand": [None, "Denon"],
    }
