from django.contrib import admin

from .models import ProductDailyViews


@admin.register(ProductDailyViews)
class ProductDailyViewsAdmin(admin.ModelAdmin):
    list_display = ("day", "product_id", "views", "impressions")
    list_filter = ("day",)
    search_fields = ("product_id",)
    ordering = ("-day", "-views")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
