from django.contrib import admin

from . import services
from .models import Brand, Product


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Edits go through the same services as the API, so they are recorded and notified too."""

    list_display = ("sku", "name", "price", "brand", "updated_at")
    list_filter = ("brand",)
    list_select_related = ("brand",)
    search_fields = ("sku", "name")
    autocomplete_fields = ("brand",)

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in services.PRODUCT_FIELDS if f in form.cleaned_data}
        if change:
            original = Product.objects.get(pk=obj.pk)
            services.product_update(product=original, actor=request.user, data=data)
        else:
            obj.pk = services.product_create(actor=request.user, **data).pk

    def delete_model(self, request, obj):
        services.product_delete(product=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for product in queryset:
            services.product_delete(product=product, actor=request.user)
