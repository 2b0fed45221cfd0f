from functools import cache

from django.db import connection
from django.db.models import QuerySet

from catalog_service.core import rows

from .models import Brand, Product


def product_list() -> QuerySet[Product]:
    """Products with their brand in the same query: a page costs the same whatever its size."""
    return Product.objects.select_related("brand")


@cache
def _product_locked_sql() -> str:
    features = connection.features
    lock = " FOR UPDATE OF p" if features.has_select_for_update_of else ""
    return (
        f"SELECT {rows.columns(Product, 'p')}, {rows.columns(Brand, 'b')} "  # noqa: S608 - model names
        f"FROM {Product._meta.db_table} p JOIN {Brand._meta.db_table} b ON b.id = p.brand_id "
        f"WHERE p.id = %s{lock}"
    )


def product_locked(pk: int) -> Product | None:
    """The product with its brand, its row (not the brand's) locked until the transaction ends.

    Every admin write of a product starts here, so its SQL is built once (core.rows)."""
    row = rows.fetch_one(_product_locked_sql(), [pk])
    if row is None:
        return None
    product, brand_start = rows.instance(Product, row)
    product.brand, _ = rows.instance(Brand, row, brand_start)
    return product


def brand_list() -> QuerySet[Brand]:
    return Brand.objects.all()
