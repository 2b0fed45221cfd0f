import json

from django.core.management.base import BaseCommand, CommandError

from catalog_service.inventory.services import audit


class Command(BaseCommand):
    help = (
        "Checks that every stock level equals the sum of its movements in the ledger. Exits "
        "non-zero, naming each level that does not, with its numbers."
    )

    def handle(self, *args, **options):
        wrong = audit()
        for row in wrong:
            self.stderr.write(json.dumps(row))
        if wrong:
            raise CommandError(f"{len(wrong)} stock level(s) differ from their movements.")
        self.stdout.write(self.style.SUCCESS("Every stock level equals the sum of its movements."))
