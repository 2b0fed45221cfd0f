"""Publishes the waiting events now, as the scheduled relay does."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog_service.events import services


class Command(BaseCommand):
    help = (
        "Publishes the events waiting in the outbox, as the relay does (one relay at a time: "
        "it waits for a running one). Stops once none waits, or at the first failure "
        "(exit status 1); with --seconds, publishes what commits for that long, retrying."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seconds", type=float, help="Keep publishing as events commit for this long."
        )

    def handle(self, *args, seconds=None, **options):
        if not settings.EVENTS_BROKER_URL:
            raise CommandError("EVENTS_BROKER_URL is not set: events are not published.")
        published = services.events_publish(
            run_seconds=seconds if seconds is not None else 3600, until_idle=seconds is None
        )
        left, oldest = services.backlog()
        self.stdout.write(f"Published {published} event(s); {left} waiting.")
        if seconds is None and left:
            raise CommandError(
                f"{left} event(s) still waiting, the oldest for {oldest:.0f} s: see the log."
            )
