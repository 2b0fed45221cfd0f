from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog_service.core.fields import TrimmedCharField

from .models import Category
from .selectors import category_paths


class CategorySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "slug")


class CategoryListSerializer(serializers.ListSerializer):
    """Every category's path in the same two queries (category_paths), not two per category."""

    def to_representation(self, data):
        categories = list(data)
        self.context["paths"] = category_paths(category.pk for category in categories)
        return super().to_representation(categories)


class CategorySerializer(serializers.ModelSerializer):
    """A category with its path from the root (itself last). `slug` defaults to the name's."""

    name = TrimmedCharField(max_length=100)
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=True)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )
    path = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ("id", "name", "slug", "parent", "path", "created_at", "updated_at")
        read_only_fields = ("id", "path", "created_at", "updated_at")
        list_serializer_class = CategoryListSerializer
        validators = []  # the services check slugs among siblings (409, not 400)

    @extend_schema_field(CategorySummarySerializer(many=True))
    def get_path(self, category) -> list[dict]:
        paths = self.context.get("paths")
        if paths is None or category.pk not in paths:
            paths = category_paths([category.pk])
        return paths.get(category.pk, [])
