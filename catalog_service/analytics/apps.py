from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "catalog_service.analytics"
    label = "analytics"
    verbose_name = "Product view counts"

    def ready(self):
        from catalog_service.core.metrics import scrape_collector_add

        from .metrics import counting_collect

        scrape_collector_add(counting_collect)
