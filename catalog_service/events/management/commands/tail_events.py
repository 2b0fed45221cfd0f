"""Prints the events on the broker as they are published, one JSON object a line."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from pika.exceptions import AMQPError

from catalog_service.events.broker import Subscription


class Command(BaseCommand):
    help = (
        "Binds a temporary queue to EVENTS_EXCHANGE and prints each event published from now on "
        "as one JSON line: routing key, CloudEvents attributes and data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--routing-key",
            action="append",
            dest="routing_keys",
            metavar="PATTERN",
            help="A binding pattern: catalog.product.*, catalog.# (the default); repeatable.",
        )
        parser.add_argument("--count", type=int, help="Stop after this many events.")
        parser.add_argument(
            "--timeout", type=float, help="Stop after this many seconds without an event."
        )

    def handle(self, *args, routing_keys=None, count=None, timeout=None, **options):
        if not settings.EVENTS_BROKER_URL:
            raise CommandError("EVENTS_BROKER_URL is not set: events are not published.")
        try:
            subscription = Subscription(routing_keys or ["catalog.#"])
        except (AMQPError, OSError) as exc:
            raise CommandError(f"Cannot reach the broker: {exc!r}") from exc
        self.stderr.write(f"Listening on {settings.EVENTS_EXCHANGE} ({subscription.queue})")
        printed = 0
        try:
            for routing_key, event in subscription.events(inactivity_timeout=timeout):
                attributes = {
                    key: value.isoformat() if hasattr(value, "isoformat") else value
                    for key, value in event.get_attributes().items()
                }
                line = {"routing_key": routing_key, **attributes, "data": event.get_data()}
                self.stdout.write(json.dumps(line))
                self.stdout.flush()
                printed += 1
                if count and printed >= count:
                    break
        except KeyboardInterrupt:
            pass
        finally:
            subscription.close()
