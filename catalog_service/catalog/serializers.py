from rest_framework import serializers

from catalog_service.core.text import single_line_validator

from .models import PRICE_MAX, Brand, Product


class TrimmedCharField(serializers.CharField):
    """One line of text: trims surrounding spaces, refuses a value that is blank once trimmed
    and control characters or line breaks anywhere (core.text)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", False)
        kwargs["validators"] = [*kwargs.get("validators", ()), single_line_validator]
        super().__init__(trim_whitespace=True, **kwargs)


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


# Validation only (the services write), so a plain Serializer: a ModelSerializer would inspect
# the model again on every request for fields that are all declared here.
class ProductInputSerializer(serializers.Serializer):
    """A product as it is written: the brand given by id, the price as decimal money."""

    sku = TrimmedCharField(max_length=64, help_text="Unique ignoring case; spaces trimmed.")
    name = TrimmedCharField(max_length=200)
    price = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        min_value=0,
        max_value=PRICE_MAX,
        help_text="Decimal money, at most 2 decimal places, 0 to 9999999.99.",
    )
    # pk_field: the id must be a whole number (1.5 is refused, not read as brand 1).
    brand = serializers.PrimaryKeyRelatedField(
        queryset=Brand.objects.all(), pk_field=serializers.IntegerField(), help_text="Brand id."
    )
