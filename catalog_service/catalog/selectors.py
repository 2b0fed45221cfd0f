from functools import cache

from django.db import connection
from django.db.models import QuerySet

from catalog_service.core import rows

from .models import Brand, Product


def product_list() -> QuerySet[Product]:
    """Products with their brand in the same query: a page costs the same whatever its size."""
    return Product.objects.select_related("brand")


@cache
def _with_brand_sql(where: str) -> str:
    return (
        f"SELECT {rows.columns(Product, 'p')}, {rows.columns(Brand, 'b')} "  # noqa: S608 - model names
        f"FROM {Product._meta.db_table} p JOIN {Brand._meta.db_table} b ON b.id = p.brand_id "
        f"WHERE {where}"
    )


def _with_brand(row: tuple) -> Product:
    product, brand_start = rows.instance(Product, row)
    product.brand, _ = rows.instance(Brand, row, brand_start)
    return product


def product_locked(pk: int) -> Product | None:
    """The product with its brand, its row (not the brand's) locked until the transaction ends.

    Every admin write of a product starts here, so its SQL is built once (core.rows)."""
    lock = " FOR UPDATE OF p" if connection.features.has_select_for_update_of else ""
    row = rows.fetch_one(_with_brand_sql(f"p.id = %s{lock}"), [pk])
    return _with_brand(row) if row else None


def products_by_id(product_ids: list[int]) -> list[Product]:
    """The products (with their brand) among `product_ids`, in no particular order. Cache misses
    of anonymous reads land here, for up to a page at a time: on PostgreSQL the SQL is built once
    (core.rows), as the ORM would spend more building it than the database answering."""
    if connection.vendor != "postgresql":  # no `= ANY(array)`: the ORM's IN list
        return list(product_list().filter(pk__in=product_ids))
    return [
        _with_brand(row) for row in rows.fetch_all(_with_brand_sql("p.id = ANY(%s)"), [product_ids])
    ]


def brand_list() -> QuerySet[Brand]:
    return Brand.objects.all()
