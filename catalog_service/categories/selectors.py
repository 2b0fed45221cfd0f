from collections.abc import Iterable

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
    """{id: [{id, name, slug}, ...]} from the root down to each category, in two queries
    whatever their number: the ids of each path (a recursive query), then the names."""
    ids = {pk for pk in category_ids if pk is not None}
    if not ids:
        return {}
    tree_paths = dict(
        Category.objects.with_tree_fields().filter(pk__in=ids).values_list("pk", "tree_path")
    )
    above = {pk for path in tree_paths.values() for pk in path}
    named = {
        row["id"]: row for row in Category.objects.filter(pk__in=above).values("id", "name", "slug")
    }
    return {pk: [named[node] for node in path] for pk, path in tree_paths.items()}


def with_category_paths(products: list) -> list:
    """Sets `category_path` on each product (None without a category), in two queries for all."""
    paths = category_paths(product.category_id for product in products)
    for product in products:
        product.category_path = paths.get(product.category_id)
    return products
