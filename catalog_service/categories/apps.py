from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "catalog_service.categories"
    label = "categories"
