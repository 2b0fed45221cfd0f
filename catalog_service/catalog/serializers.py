from rest_framework import serializers

from .models import PRICE_MAX, Brand, Product


class TrimmedCharField(serializers.CharField):
    """Trims surrounding spaces and refuses a value that is blank once trimmed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", False)
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
    brand = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.all(), help_text="Brand id.")
