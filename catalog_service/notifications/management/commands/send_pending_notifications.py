from django.core.management.base import BaseCommand

from catalog_service.notifications.models import Delivery
from catalog_service.notifications.services import deliveries_sweep, events_relay


class Command(BaseCommand):
    help = (
        "Fans out every change event still in the outbox (as the relay), then queues every "
        "delivery that is due or abandoned (as the periodic sweep)."
    )

    def handle(self, *args, **options):
        deliveries_before = Delivery.objects.count()
        events = events_relay()
        written = Delivery.objects.count() - deliveries_before
        self.stdout.write(
            f"Fanned out {events} change event(s) into {written} delivery(ies); "
            f"queued {deliveries_sweep()} due or abandoned delivery(ies)."
        )
