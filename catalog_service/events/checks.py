"""Events need PostgreSQL to be published: one relay at a time is its advisory lock."""

from django.conf import settings
from django.core import checks
from django.db import connection


@checks.register()
def relay_database_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.EVENTS_BROKER_URL and connection.vendor != "postgresql":
        return [
            checks.Error(
                "EVENTS_BROKER_URL is set but the database is not PostgreSQL: the event relay "
                "takes a PostgreSQL advisory lock so that events leave in order.",
                hint="Set DATABASE_URL to PostgreSQL, or unset EVENTS_BROKER_URL.",
                id="events.E001",
            )
        ]
    return []
