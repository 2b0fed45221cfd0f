"""Stock in the Django admin. Locations are edited through the services (availability follows a
(de)activation); levels, the ledger and reservations are read-only here: quantities change only
through movements (`stock/movement/`) and reservations, which write the ledger."""

from django.contrib import admin

from . import services
from .models import Location, Reservation, ReservationLine, StockLevel, StockMovement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        if change:
            data = {field: form.cleaned_data[field] for field in form.changed_data}
            services.location_update(
                location=Location.objects.get(pk=obj.pk), data=data, actor=request.user
            )
        else:
            obj.pk = services.location_create(code=obj.code, name=obj.name, active=obj.active).pk


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("product", "location", "on_hand", "reserved", "low_stock_threshold")
    list_filter = ("location",)
    search_fields = ("product__sku", "product__name")
    list_select_related = ("product", "location")


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "level", "on_hand_delta", "reserved_delta", "reason", "actor")
    list_filter = ("reason",)
    search_fields = ("level__product__sku",)
    list_select_related = ("level", "actor")


class ReservationLineInline(admin.TabularInline):
    model = ReservationLine
    extra = 0
    can_delete = False
    readonly_fields = ("product", "location", "quantity")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "created_at", "expires_at", "created_by")
    list_filter = ("status",)
    inlines = [ReservationLineInline]
