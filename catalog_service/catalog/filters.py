import django_filters

from .models import Product


class ProductFilter(django_filters.FilterSet):
    brand = django_filters.NumberFilter(field_name="brand_id", help_text="Brand id.")
    price_min = django_filters.NumberFilter(field_name="price", lookup_expr="gte")
    price_max = django_filters.NumberFilter(field_name="price", lookup_expr="lte")
    sku = django_filters.CharFilter(field_name="sku", lookup_expr="iexact", help_text="Exact SKU.")

    class Meta:
        model = Product
        fields = ("brand", "price_min", "price_max", "sku")
