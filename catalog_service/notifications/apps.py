from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "catalog_service.notifications"
    label = "notifications"

    def ready(self):
        from catalog_service.catalog.signals import product_changed

        from . import services
        from .providers import providers_configured

        # A bad channel configuration stops the service at start-up, not at the first change.
        providers_configured()
        product_changed.connect(services.product_change_record, dispatch_uid="notify-admins")
