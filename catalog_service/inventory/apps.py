from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "catalog_service.inventory"
    label = "inventory"
