from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Imports as they ran: read-only (a new one is an upload to the API or import_products)."""

    list_display = (
        *("created_at", "filename", "status", "mode", "dry_run", "rows_total"),
        *("created", "updated", "unchanged", "failed", "created_by"),
    )
    list_filter = ("status", "mode", "dry_run")
    list_select_related = ("created_by",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
