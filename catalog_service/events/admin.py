from django.contrib import admin

from .models import Event


class PublishedFilter(admin.SimpleListFilter):
    title = "published"
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return (("yes", "Published"), ("no", "Waiting"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(published_at__isnull=self.value() == "no")
        return queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: events are written by the changes they record and published by the relay."""

    list_display = ("id", "type", "subject", "time", "published_at")
    list_filter = (PublishedFilter, "type")
    search_fields = ("subject", "=event_id")
    readonly_fields = ("event_id", "type", "subject", "data", "time", "published_at")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
