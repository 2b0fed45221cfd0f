from django.contrib import admin

from .models import Brand, Product


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "price", "brand", "updated_at")
    list_filter = ("brand",)
    list_select_related = ("brand",)
    search_fields = ("sku", "name")
    autocomplete_fields = ("brand",)
