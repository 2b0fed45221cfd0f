from django.core.management.base import BaseCommand

from catalog_service.notifications.services import deliveries_sweep


class Command(BaseCommand):
    help = "Queues every notification delivery that is due or abandoned (as the periodic sweep)."

    def handle(self, *args, **options):
        self.stdout.write(f"Queued {deliveries_sweep()} delivery(ies).")
