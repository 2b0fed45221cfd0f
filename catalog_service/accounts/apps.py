from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "catalog_service.accounts"
    label = "accounts"
    verbose_name = "Admins"
