from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog_service.catalog"
    label = "catalog"

    def ready(self):
        from . import cache
        from .signals import product_changed

        product_changed.connect(cache.on_product_changed, dispatch_uid="product-cache")
