from django.db import models
from rest_framework import serializers

from catalog_service.core.text import single_line_validator

from .models import PRICE_MAX, Brand, Product


class TrimmedCharField(serializers.CharField):
    """One line of text: trims surrounding spaces, refuses a value that is blank once trimmed
    and control characters or line breaks anywhere (core.text)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", False)
        validators = list(kwargs.get("validators", ()))
        if single_line_validator not in validators:  # a model field may bring it already
            validators.append(single_line_validator)
        kwargs["validators"] = validators
        kwargs["trim_whitespace"] = True
        super().__init__(**kwargs)


class BrandSerializer(serializers.ModelSerializer):
    name = TrimmedCharField(max_length=100)

    class Meta:
        model = Brand
        fields = ("id", "name", "created_at", "updated_at")
        read_only_fields = ("id", "created_at", "updated_at")


class BrandSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ("id", "name")


class ProductSerializer(serializers.ModelSerializer):
    """A product as it is read: the brand shown with its id and name."""

    brand = BrandSummarySerializer(read_only=True)

    class Meta:
        model = Product
        fields = ("id", "sku", "name", "price", "brand", "created_at", "updated_at")
        read_only_fields = fields


class ProductFeedSerializer(ProductSerializer):
    """A product in the cursor feed (its own name: the feed's page has no `count`)."""


class AdminProductSerializer(ProductSerializer):
    """What admins read: the product plus its all-time anonymous view counts."""

    views = serializers.IntegerField(source="view_total", read_only=True)
    impressions = serializers.IntegerField(source="impression_total", read_only=True)

    class Meta(ProductSerializer.Meta):
        fields = (*ProductSerializer.Meta.fields, "views", "impressions")
        read_only_fields = fields


class _ProductWritable(serializers.ModelSerializer):
    """Builds the input fields from the model: limits (length, digits, range) and validators
    come from Product's fields, the names from Product.WRITABLE_FIELDS. Used once, at import."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TrimmedCharField,
    }

    class Meta:
        model = Product
        fields = Product.WRITABLE_FIELDS
        extra_kwargs = {
            "sku": {"help_text": "Unique ignoring case; spaces trimmed."},
            "price": {"help_text": f"Decimal money, at most 2 decimal places, 0 to {PRICE_MAX}."},
            # pk_field: the id must be a whole number (1.5 is refused, not read as brand 1).
            "brand": {"help_text": "Brand id.", "pk_field": serializers.IntegerField()},
        }


# Validation only (the services write), so a plain Serializer: a ModelSerializer inspects the
# model again on every instance. Its fields are generated from the model once, here.
_ProductInputFields = serializers.SerializerMetaclass(
    "_ProductInputFields",
    (serializers.Serializer,),
    {"__module__": __name__, **_ProductWritable().get_fields()},
)


class ProductInputSerializer(_ProductInputFields):
    """A product as it is written: the brand given by id, the price as decimal money."""
