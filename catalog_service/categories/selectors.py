from collections.abc import Iterable

from django.db import connections, router
from django.db.models import QuerySet

from .models import Category


def category_list() -> QuerySet[Category]:
    """Every category with its depth, in tree order (depth first, siblings by name)."""
    return Category.objects.with_tree_fields().order_siblings_by("name", "id")


def subtree_ids(category_id: int) -> list[int]:
    """The category and everything below it (empty if there is no such category)."""
    return list(
        Category.objects.descendants(category_id, include_self=True).values_list("pk", flat=True)
    )


def category_paths(category_ids: Iterable[int | None]) -> dict[int, list[dict]]:
    """{id: [{id, name, slug}, ...]} from the root down to each category, in one query whatever
    their number: a recursive query that walks up the parent links from these categories only
    (the tree's own query would number every category first)."""
    ids = sorted({pk for pk in category_ids if pk is not None})
    if not ids:
        return {}
    connection = connections[router.db_for_read(Category)]
    table = connection.ops.quote_name(Category._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"WITH RECURSIVE up(start, id, parent_id, depth) AS ("  # noqa: S608 - model names
        f"SELECT id, id, parent_id, 0 FROM {table} WHERE id IN ({marks}) "
        f"UNION ALL SELECT up.start, c.id, c.parent_id, up.depth + 1 "
        f"FROM {table} c JOIN up ON c.id = up.parent_id) "
        f"SELECT up.start, c.id, c.name, c.slug FROM up JOIN {table} c ON c.id = up.id "
        f"ORDER BY up.start, up.depth DESC"
    )
    paths: dict[int, list[dict]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        for start, pk, name, slug in cursor.fetchall():
            paths.setdefault(start, []).append({"id": pk, "name": name, "slug": slug})
    return paths


def with_category_paths(products: list) -> list:
    """Sets `category_path` on each product (None without a category), in one query for all."""
    paths = category_paths(product.category_id for product in products)
    for product in products:
        product.category_path = paths.get(product.category_id)
    return products
