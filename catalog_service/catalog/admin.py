from django import forms
from django.contrib import admin, messages
from django.db import transaction

from catalog_service.core.text import identifier_normalized

from . import services
from .models import Brand, Product, TrashedProduct
from .selectors import product_locked


class BrandForm(forms.ModelForm):
    def clean_name(self):
        # As the service will store it, so the form's uniqueness check sees the same value.
        return identifier_normalized(self.cleaned_data["name"])


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    """Edits go through the same services as the API: a rename refreshes its products' cache."""

    form = BrandForm
    list_display = ("name", "created_at")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        if change:
            original = Brand.objects.select_for_update().get(pk=obj.pk)  # as product_locked
            services.brand_update(brand=original, name=form.cleaned_data["name"])
        else:
            obj.pk = services.brand_create(name=form.cleaned_data["name"]).pk

    def delete_model(self, request, obj):
        services.brand_delete(brand=obj)

    def delete_queryset(self, request, queryset):
        for brand in queryset:
            services.brand_delete(brand=brand)


class ProductForm(forms.ModelForm):
    def clean(self):
        # Identifiers as the service will store them, so the uniqueness check sees those values.
        cleaned_data = super().clean()
        for field in services.IDENTIFIERS:
            if field in cleaned_data:
                cleaned_data[field] = identifier_normalized(cleaned_data[field])
        return cleaned_data


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Edits go through the same services as the API, so they are recorded and notified too."""

    form = ProductForm
    fields = Product.WRITABLE_FIELDS
    list_display = ("sku", "name", "price", "brand", "updated_at")
    list_filter = ("brand",)
    list_select_related = ("brand",)
    search_fields = ("sku", "name")
    autocomplete_fields = ("brand",)

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in Product.WRITABLE_FIELDS}
        if change:
            # Locked until the admin's own transaction ends (Django wraps the change view in
            # one), as the API locks it: the change recorded is against the row as it is now.
            original = product_locked(obj.pk)
            if original is None:
                raise Product.DoesNotExist(obj.pk)
            services.product_update(product=original, actor=request.user, data=data)
        else:
            obj.pk = services.product_create(actor=request.user, **data).pk

    def delete_model(self, request, obj):
        services.product_delete(product=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for product in queryset:
            services.product_delete(product=product, actor=request.user)


@admin.register(TrashedProduct)
class TrashedProductAdmin(admin.ModelAdmin):
    """The trash: read-only; restore or purge through the same services as the API."""

    list_display = ("sku", "name", "brand", "trashed_at", "trashed_by")
    list_select_related = ("brand", "trashed_by")
    search_fields = ("sku", "name")
    actions = ("restore",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Restore the selected products")
    def restore(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            try:
                with transaction.atomic():  # each on its own: one refused leaves the others
                    if trashed := services.trashed_locked(pk):
                        services.product_restore(trashed=trashed, actor=request.user)
            except services.ConflictError as exc:
                self.message_user(request, f"{pk}: {exc.detail}", messages.ERROR)

    def delete_model(self, request, obj):
        services.trashed_purge(trashed=obj)

    def delete_queryset(self, request, queryset):
        for trashed in queryset:
            services.trashed_purge(trashed=trashed)
