from dataclasses import dataclass
from datetime import date
from functools import cache

from django.db import connections, router
from django.db.models import QuerySet

from catalog_service.analytics import selectors as analytics
from catalog_service.core import rows

from .models import Brand, Product, TrashedProduct


def product_list() -> QuerySet[Product]:
    """Products with their brand in the same query: a page costs the same whatever its size."""
    return Product.objects.select_related("brand")


@cache
def _with_brand_sql(where: str, using: str) -> str:
    return (
        f"SELECT {rows.columns(Product, 'p', using)}, {rows.columns(Brand, 'b', using)} "  # noqa: S608 - model names
        f"FROM {Product._meta.db_table} p JOIN {Brand._meta.db_table} b ON b.id = p.brand_id "
        f"WHERE {where}"
    )


def _with_brand(row: tuple, using: str) -> Product:
    product, brand_start = rows.instance(Product, row, using=using)
    product.brand, _ = rows.instance(Brand, row, brand_start, using=using)
    return product


def product_locked(pk: int) -> Product | None:
    """The product with its brand, its row (not the brand's) locked until the transaction ends.

    Every admin write of a product starts here, so its SQL is built once (core.rows)."""
    using = router.db_for_write(Product)  # a locking read, routed as select_for_update()
    lock = " FOR UPDATE OF p" if connections[using].features.has_select_for_update_of else ""
    row = rows.fetch_one(_with_brand_sql(f"p.id = %s{lock}", using), [pk], using=using)
    return _with_brand(row, using) if row else None


def products_by_id(product_ids: list[int]) -> list[Product]:
    """The products (with their brand) among `product_ids`, in no particular order. Cache misses
    of anonymous reads land here, for up to a page at a time: on PostgreSQL the SQL is built once
    (core.rows), as the ORM would spend more building it than the database answering."""
    using = router.db_for_read(Product)
    if connections[using].vendor != "postgresql":  # no `= ANY(array)`: the ORM's IN list
        return list(product_list().filter(pk__in=product_ids))
    sql = _with_brand_sql("p.id = ANY(%s)", using)
    return [_with_brand(row, using) for row in rows.fetch_all(sql, [product_ids], using=using)]


def trashed_list() -> QuerySet[TrashedProduct]:
    return TrashedProduct.objects.select_related("brand", "trashed_by")


def brand_list() -> QuerySet[Brand]:
    return Brand.objects.all()


# --- reports on anonymous reads: analytics counts by product id, the catalog adds the products --


@dataclass(frozen=True)
class TopRow:
    product_id: int
    product: Product | TrashedProduct | None  # None once the product has been purged
    views: int
    impressions: int
    in_trash: bool = False


def _of_brand(brand_id: int | None) -> QuerySet | None:
    """The ids of the brand's products, as a subquery of the report's query."""
    return None if brand_id is None else Product.objects.filter(brand_id=brand_id).values("id")


def views_totals(*, date_from: date, date_to: date, brand_id: int | None = None) -> dict:
    return analytics.views_totals(
        date_from=date_from, date_to=date_to, product_ids=_of_brand(brand_id)
    )


def views_top(
    *,
    date_from: date,
    date_to: date,
    brand_id: int | None = None,
    limit: int = 20,
    include_trashed: bool = False,
) -> list[TopRow]:
    """The most viewed products in the range (ties broken by impressions, then id), each with
    its product and brand (read in one query). Products in the trash are left out unless
    `include_trashed` (then shown as they were, `in_trash`); purged ones stay, without product.
    With a brand: its products in the catalog."""
    ranked = analytics.views_top(
        date_from=date_from,
        date_to=date_to,
        product_ids=_of_brand(brand_id),
        excluded_ids=None if include_trashed else TrashedProduct.objects.values("id"),
        limit=limit,
    )
    ids = [row.product_id for row in ranked]
    products = product_list().in_bulk(ids)
    trashed = {}
    if include_trashed:
        missing = [pk for pk in ids if pk not in products]
        trashed = TrashedProduct.objects.select_related("brand").in_bulk(missing)
    return [
        TopRow(
            row.product_id,
            products.get(row.product_id) or trashed.get(row.product_id),
            row.views,
            row.impressions,
            row.product_id in trashed,
        )
        for row in ranked
    ]
