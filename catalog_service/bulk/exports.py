"""The catalog (or any list filter's part of it) as CSV or JSON Lines, streamed in constant
memory: keyset pages in id order, each written and let go before the next is read."""

import csv
import io
from collections.abc import Callable, Iterator

import orjson
from django.db.models import F, QuerySet, Sum

from catalog_service.categories.selectors import with_category_paths
from catalog_service.core.spreadsheet import cell_safe
from catalog_service.inventory.models import StockLevel

from .columns import COLUMNS, product_values

PAGE_SIZE = 2000
# Told how many products each page had, once it is written (export_products' progress bar).
Counted = Callable[[int], None] | None


def products_in_pages(
    queryset: QuerySet, page_size: int = PAGE_SIZE, counted: Counted = None
) -> Iterator[list]:
    """The queryset's products (with brand and category path), a page at a time, by id. Each
    page is one indexed query however deep it is (id > the last one seen), so a million rows
    cost the same per page as the first thousand, and no long transaction holds the table."""
    last_id = 0
    while True:
        page = list(queryset.filter(pk__gt=last_id).order_by("pk")[:page_size])
        if not page:
            return
        yield with_stock_totals(with_category_paths(page))
        if counted:
            counted(len(page))
        last_id = page[-1].pk
        if len(page) < page_size:
            return


def with_stock_totals(products: list) -> list:
    """Sets `stock_on_hand` and `stock_available` (over its active locations) on each product,
    in one query for the page."""
    totals = {
        row["product_id"]: row
        for row in StockLevel.objects.filter(
            product_id__in=[product.pk for product in products], location__active=True
        )
        .values("product_id")
        .annotate(total_on_hand=Sum("on_hand"), total_available=Sum(F("on_hand") - F("reserved")))
    }
    for product in products:
        row = totals.get(product.pk, {})
        product.stock_on_hand = row.get("total_on_hand", 0)
        product.stock_available = row.get("total_available", 0)
    return products


def csv_lines(queryset: QuerySet, counted: Counted = None) -> Iterator[bytes]:
    """A header, then one line per product; a cell a spreadsheet would run as a formula is
    escaped (core.spreadsheet). UTF-8 with a BOM, which spreadsheets need to read UTF-8;
    the import accepts it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for page in products_in_pages(queryset, counted=counted):
        buffer.seek(0)
        buffer.truncate()
        for product in page:
            values = product_values(product)
            writer.writerow([cell_safe(values[name]) for name in COLUMNS])
        yield buffer.getvalue().encode()


def json_lines(queryset: QuerySet, counted: Counted = None) -> Iterator[bytes]:
    """One JSON object per line and product, keys in the CSV's column order; no category is
    null. Values as they are: JSON is not run by spreadsheets."""
    for page in products_in_pages(queryset, counted=counted):
        lines = []
        for product in page:
            values = product_values(product)
            values["category"] = values["category"] or None
            for name in ("stock_on_hand", "stock_available"):
                values[name] = int(values[name])
            lines.append(orjson.dumps(values))
        yield b"\n".join(lines) + b"\n"
