"""Reports on anonymous product reads, by product id.

Products are the catalog's: this module knows only their ids. A caller that narrows a report to
some products passes their ids (a list, or a `.values("id")` queryset that runs as a subquery).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import ProductDailyViews

ProductIds = Iterable[int] | QuerySet


@dataclass(frozen=True)
class ViewsRow:
    product_id: int
    views: int
    impressions: int


def _in_range(
    date_from: date, date_to: date, product_ids: ProductIds | None = None
) -> QuerySet[ProductDailyViews]:
    rows = ProductDailyViews.objects.filter(day__range=(date_from, date_to))
    if product_ids is not None:
        rows = rows.filter(product_id__in=product_ids)
    return rows


def views_totals(*, date_from: date, date_to: date, product_ids: ProductIds | None = None) -> dict:
    return _in_range(date_from, date_to, product_ids).aggregate(
        views=Coalesce(Sum("views"), Value(0)), impressions=Coalesce(Sum("impressions"), Value(0))
    )


def views_top(
    *,
    date_from: date,
    date_to: date,
    product_ids: ProductIds | None = None,
    excluded_ids: ProductIds | None = None,
    limit: int = 20,
) -> list[ViewsRow]:
    """The most viewed products in the range (ties broken by impressions, then id), among
    `product_ids` if given, never `excluded_ids`."""
    rows = _in_range(date_from, date_to, product_ids)
    if excluded_ids is not None:
        rows = rows.exclude(product_id__in=excluded_ids)
    ranked = (
        rows.values("product_id")
        .annotate(total_views=Sum("views"), total_impressions=Sum("impressions"))
        .order_by("-total_views", "-total_impressions", "product_id")[:limit]
    )
    return [ViewsRow(r["product_id"], r["total_views"], r["total_impressions"]) for r in ranked]


def views_series(*, product_id: int, date_from: date, date_to: date) -> list[dict]:
    """One row per day of the range, days without reads as zeros."""
    stored = {
        row["day"]: row
        for row in _in_range(date_from, date_to)
        .filter(product_id=product_id)
        .values("day", "views", "impressions")
    }
    days = (date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1))
    return [
        {
            "date": day,
            "views": stored.get(day, {}).get("views", 0),
            "impressions": stored.get(day, {}).get("impressions", 0),
        }
        for day in days
    ]


def with_view_totals(products: QuerySet) -> QuerySet:
    """Annotates all-time `view_total` and `impression_total` as subqueries of the page query
    (`products`: rows whose primary key is a product id)."""
    per_product = ProductDailyViews.objects.filter(product_id=OuterRef("pk")).values("product_id")
    return products.annotate(
        view_total=Coalesce(Subquery(per_product.annotate(n=Sum("views")).values("n")), Value(0)),
        impression_total=Coalesce(
            Subquery(per_product.annotate(n=Sum("impressions")).values("n")), Value(0)
        ),
    )


_TOTALS = (
    f"SELECT coalesce(sum(views), 0), coalesce(sum(impressions), 0) "  # noqa: S608 - our table
    f"FROM {ProductDailyViews._meta.db_table} WHERE product_id = %s"
)


def product_view_totals(product_id: int) -> tuple[int, int]:
    """All-time (views, impressions) of one product. Plain SQL: it runs on every admin write,
    where building the ORM's aggregate cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS, [product_id])
        views, impressions = cursor.fetchone()
    return int(views), int(impressions)
