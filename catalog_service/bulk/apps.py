from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "catalog_service.bulk"
    label = "bulk"
    verbose_name = "Bulk import and export"
