import contextlib
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog_service.bulk import exports
from catalog_service.catalog.selectors import product_list


class Command(BaseCommand):
    help = (
        "Exports the products as the API's export does (CSV or JSON Lines), to a file or to "
        "standard output, with a progress bar on standard error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
        parser.add_argument("--output", "-o", default="-", help="A file, or - (the default).")
        parser.add_argument("--brand", type=int, help="Only this brand's products (an id).")

    def handle(self, *args, format, output, brand, **options):
        queryset = product_list()
        if brand is not None:
            queryset = queryset.filter(brand_id=brand)
        write = exports.csv_lines if format == "csv" else exports.json_lines
        try:
            target = (
                contextlib.nullcontext(sys.stdout.buffer) if output == "-" else open(output, "wb")  # noqa: SIM115
            )
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        total = queryset.count()
        with target as out, tqdm(total=total, unit="row", disable=None, file=sys.stderr) as bar:
            for chunk in write(queryset, counted=bar.update):
                out.write(chunk)
