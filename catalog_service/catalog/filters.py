import django_filters
from django.db.models import Value
from django.db.models.functions import Lower

from catalog_service.categories.selectors import subtree_ids

from .models import Product


class ProductFilter(django_filters.FilterSet):
    brand = django_filters.NumberFilter(field_name="brand_id", help_text="Brand id.")
    category = django_filters.NumberFilter(
        method="filter_category",
        help_text="Category id: the products of that category and of every one below it "
        "(include_descendants=false: of that category only).",
    )
    include_descendants = django_filters.BooleanFilter(
        method="filter_nothing", help_text="With category: include its subcategories (default)."
    )
    price_min = django_filters.NumberFilter(field_name="price", lookup_expr="gte")
    price_max = django_filters.NumberFilter(field_name="price", lookup_expr="lte")
    sku = django_filters.CharFilter(method="filter_sku", help_text="Exact SKU, ignoring case.")

    class Meta:
        model = Product
        fields = ("brand", "category", "include_descendants", "price_min", "price_max", "sku")

    def filter_category(self, queryset, name, value):
        category_id = int(value)
        if self.form.cleaned_data.get("include_descendants") is False:
            return queryset.filter(category_id=category_id)
        return queryset.filter(category_id__in=subtree_ids(category_id))

    def filter_sku(self, queryset, name, value):
        # LOWER(sku) = LOWER(value): the unique index's expression (iexact's UPPER() is a scan).
        return queryset.alias(sku_lower=Lower("sku")).filter(sku_lower=Lower(Value(value)))

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_category
