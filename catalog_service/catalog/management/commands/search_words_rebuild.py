from django.core.management.base import BaseCommand

from catalog_service.catalog.search import search_words_rebuild


class Command(BaseCommand):
    help = (
        "Rebuilds the words product search corrects typos to (SearchWord) from the product "
        "names: adds the missing ones, drops those no product uses any more."
    )

    def handle(self, *args, **options):
        added, dropped = search_words_rebuild()
        self.stdout.write(f"Search words: {added} added, {dropped} dropped.")
