from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog_service.catalog"
    label = "catalog"

    def ready(self):
        from catalog_service.categories.signals import category_changed

        from . import cache
        from .signals import product_changed

        product_changed.connect(cache.on_product_changed, dispatch_uid="product-cache")
        category_changed.connect(cache.on_category_changed, dispatch_uid="category-product-cache")
