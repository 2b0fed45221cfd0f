from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "catalog_service.core"
    label = "core"
