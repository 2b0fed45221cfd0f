from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog_service.analytics.counters import counts_flush


class Command(BaseCommand):
    help = "Moves the anonymous view counts gathered in Redis into the database (safe to rerun)."

    def handle(self, *args, **options):
        if not settings.REDIS_URL:
            raise CommandError("REDIS_URL is not set: counts are written to the database directly.")
        result = counts_flush()
        self.stdout.write(
            f"Applied {result.batches} batch(es): {result.views} views, "
            f"{result.impressions} impressions."
        )
