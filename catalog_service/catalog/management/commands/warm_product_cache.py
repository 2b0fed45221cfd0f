from django.core.management.base import BaseCommand, CommandError

from catalog_service.catalog import cache as product_cache


class Command(BaseCommand):
    help = "Caches every product that is not cached yet (after Redis was emptied); safe to rerun."

    def handle(self, *args, **options):
        if not product_cache.enabled():
            raise CommandError(
                "The product cache is off (PRODUCT_CACHE_SECONDS=0 or no REDIS_URL)."
            )
        read = product_cache.warm()
        if not product_cache.enabled():
            raise CommandError("Redis failed while the cache was being filled; run it again.")
        self.stdout.write(f"Read {read} product(s) into the cache.")
