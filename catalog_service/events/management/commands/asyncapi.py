"""Writes the AsyncAPI document of the events (`make schema` keeps asyncapi.yaml)."""

import yaml
from django.core.management.base import BaseCommand

from catalog_service.events.asyncapi import document


class Command(BaseCommand):
    help = "Writes the AsyncAPI 3.0 document of the events the catalog publishes."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="Write it here instead of to the standard output.")

    def handle(self, *args, file=None, **options):
        text = yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=100)
        if file:
            with open(file, "w", encoding="utf-8") as out:
                out.write(text)
        else:
            self.stdout.write(text, ending="")
