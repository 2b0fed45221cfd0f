from datetime import date, timedelta

from django.core.management.base import BaseCommand

from catalog_service.analytics.counters import today
from catalog_service.catalog import selectors


class Command(BaseCommand):
    help = "Prints the products most viewed by anonymous visitors in a date range."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat)
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat)
        parser.add_argument("--brand", type=int)
        parser.add_argument("--limit", type=int, default=20)

    def handle(self, *args, date_from, date_to, brand, limit, **options):
        date_to = date_to or today()
        date_from = date_from or date_to - timedelta(days=29)
        span = {"date_from": date_from, "date_to": date_to, "brand_id": brand}
        rows = selectors.views_top(**span, limit=limit)
        totals = selectors.views_totals(**span)
        self.stdout.write(f"Anonymous product views, {date_from} to {date_to} (UTC)\n")
        header = f"{'#':>3}  {'id':>7}  {'sku':<16} {'name':<32} {'views':>10} {'impressions':>12}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for rank, row in enumerate(rows, start=1):
            sku = row.product.sku if row.product else ""
            name = row.product.name if row.product else "(deleted)"
            self.stdout.write(
                f"{rank:>3}  {row.product_id:>7}  {sku[:16]:<16} {name[:32]:<32} "
                f"{row.views:>10} {row.impressions:>12}"
            )
        self.stdout.write("-" * len(header))
        self.stdout.write(f"{'total':>61} {totals['views']:>10} {totals['impressions']:>12}")
