from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog_service.categories.selectors import category_paths, with_category_paths
from catalog_service.categories.serializers import CategorySummarySerializer
from catalog_service.core.fields import TrimmedCharField

from .models import PRICE_MAX, Brand, Product, TrashedProduct


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


class ProductCategorySerializer(CategorySummarySerializer):
    """The schema of a product's category: the category and its path from the root."""

    path = CategorySummarySerializer(many=True, help_text="From the root down to the category.")

    class Meta(CategorySummarySerializer.Meta):
        fields = (*CategorySummarySerializer.Meta.fields, "path")


@extend_schema_field(ProductCategorySerializer(allow_null=True))
class ProductCategoryField(serializers.Field):
    """The product's category with its path from the root, or null. The path comes from
    `category_path`, set for a whole page at once (with_category_paths), else from its own
    query."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, product):
        if product.category_id is None:
            return None
        path = getattr(product, "category_path", None)
        if path is None:
            path = category_paths([product.category_id]).get(product.category_id)
        return {**path[-1], "path": path} if path else None


class ProductListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        return super().to_representation(with_category_paths(list(data)))


class ProductSerializer(serializers.ModelSerializer):
    """A product as it is read: the brand with its id and name, the category with its path."""

    brand = BrandSummarySerializer(read_only=True)
    category = ProductCategoryField()

    class Meta:
        model = Product
        fields = (
            "id",
            "sku",
            "name",
            "price",
            "brand",
            "category",
            "availability",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields
        list_serializer_class = ProductListSerializer


class ProductFeedSerializer(ProductSerializer):
    """A product in the cursor feed (its own name: the feed's page has no `count`)."""


class ProductStockSerializer(serializers.Serializer):
    """A product's stock at one location (the inventory's StockLevel, read through the reverse
    relation `stock_levels`: the catalog does not import the inventory)."""

    location = serializers.IntegerField(source="location_id")
    location_code = serializers.CharField(source="location.code")
    active = serializers.BooleanField(source="location.active")
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()
    low_stock_threshold = serializers.IntegerField()


class AdminProductSerializer(ProductSerializer):
    """What admins read: the product plus its all-time anonymous view counts and its stock per
    location."""

    views = serializers.IntegerField(source="view_total", read_only=True)
    impressions = serializers.IntegerField(source="impression_total", read_only=True)
    stock = ProductStockSerializer(source="stock_levels.all", many=True, read_only=True)

    class Meta(ProductSerializer.Meta):
        fields = (*ProductSerializer.Meta.fields, "views", "impressions", "stock")
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
            "category": {
                "help_text": "Category id, or null.",
                "pk_field": serializers.IntegerField(),
            },
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


class TrashedProductSerializer(ProductSerializer):
    """A product in the trash: what it was (as it is read), who deleted it, and when it is
    purged."""

    trashed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    purge_at = serializers.SerializerMethodField()

    class Meta(ProductSerializer.Meta):
        model = TrashedProduct
        fields = (*ProductSerializer.Meta.fields, "trashed_at", "trashed_by", "purge_at")
        read_only_fields = fields

    def get_purge_at(self, trashed) -> datetime:
        return trashed.trashed_at + timedelta(days=settings.TRASH_RETENTION_DAYS)
