from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "catalog_service.events"
    label = "events"

    def ready(self):
        from django.conf import settings

        from catalog_service.catalog.signals import brand_changed, product_changed
        from catalog_service.categories.signals import category_changed
        from catalog_service.core.metrics import outbox_add
        from catalog_service.inventory.signals import stock_changed

        from . import checks, services  # noqa: F401 - checks register themselves

        product_changed.connect(services.product_event_record, dispatch_uid="event-product")
        brand_changed.connect(services.brand_event_record, dispatch_uid="event-brand")
        category_changed.connect(services.category_event_record, dispatch_uid="event-category")
        stock_changed.connect(services.stock_events_record, dispatch_uid="event-stock")
        if settings.EVENTS_BROKER_URL:  # without a broker nothing publishes them: no backlog
            outbox_add("event", services.backlog)
