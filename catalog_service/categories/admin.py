from django import forms
from django.contrib import admin
from rest_framework.exceptions import ValidationError
from tree_queries.forms import TreeNodeChoiceField

from . import services
from .models import Category


class CategoryForm(forms.ModelForm):
    slug = forms.SlugField(max_length=100, required=False, help_text="Blank: from the name.")
    parent = TreeNodeChoiceField(queryset=Category.objects.with_tree_fields(), required=False)

    class Meta:
        model = Category
        fields = ("name", "slug", "parent")

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None or "parent" in self.changed_data:
            try:  # the services check again under the tree lock; this is for a friendly form
                services.check_shape(self.instance, cleaned_data.get("parent"))
            except ValidationError as exc:
                self.add_error("parent", [str(message) for message in exc.detail["parent"]])
        return cleaned_data


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Edits go through the same services as the API: shape checks, and products below a
    renamed or moved category shown anew."""

    form = CategoryForm
    list_display = ("name", "slug", "parent", "updated_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in ("name", "slug", "parent")}
        if change:
            services.category_update(category=Category.objects.get(pk=obj.pk), data=data)
        else:
            obj.pk = services.category_create(**data).pk

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            services.category_delete(category=category)
