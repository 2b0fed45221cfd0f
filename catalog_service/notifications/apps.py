from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "catalog_service.notifications"
    label = "notifications"

    def ready(self):
        from catalog_service.catalog.signals import product_changed
        from catalog_service.core.metrics import outbox_add

        from . import selectors, services, tasks
        from .providers import providers_configured
        from .signals import deliveries_due

        # A bad channel configuration stops the service at start-up, not at the first change.
        providers_configured()
        product_changed.connect(services.product_change_record, dispatch_uid="notify-admins")
        # services ask for sends, tasks publish them: services never import tasks.
        deliveries_due.connect(tasks.deliveries_publish, dispatch_uid="publish-deliveries")
        outbox_add("notification", selectors.notifications_backlog)
