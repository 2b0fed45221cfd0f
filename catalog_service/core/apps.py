from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "catalog_service.core"
    label = "core"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the project's system checks
