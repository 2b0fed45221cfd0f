from django.contrib import admin, messages

from . import services
from .models import Delivery, ProductChangeEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("channel", "address", "status", "attempts", "last_error", "sent_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProductChangeEvent)
class ProductChangeEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "product_sku", "action", "actor_username", "fanned_out_at")
    list_filter = ("action", ("fanned_out_at", admin.EmptyFieldListFilter))
    search_fields = ("product_sku", "product_name", "actor_username")
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "event", "channel", "address", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("address", "event__product_sku")
    list_select_related = ("event",)
    actions = ["resend"]

    @admin.action(description="Send the selected failed deliveries again")
    def resend(self, request, queryset):
        resent = 0
        for delivery in queryset.filter(status=Delivery.Status.FAILED):
            services.delivery_resend(delivery=delivery)
            resent += 1
        self.message_user(request, f"{resent} delivery(ies) queued again.", messages.SUCCESS)
