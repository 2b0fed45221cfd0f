from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "catalog_service.analytics"
    label = "analytics"
    verbose_name = "Product view counts"
