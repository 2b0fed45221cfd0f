"""Writes to the category tree, each one transaction. Every write path (API, Django admin,
commands) goes through these.

The tree's shape is checked under one lock for all structural writes (a transaction-scoped
advisory lock on PostgreSQL; SQLite runs one write at a time anyway): two admins moving nodes
at the same moment cannot together make a cycle or exceed the depth that each move alone
respects.
"""

from django.conf import settings
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from rest_framework.exceptions import ErrorDetail, ValidationError

from catalog_service.core.exceptions import ConflictError, save_or_conflict
from catalog_service.core.text import identifier_normalized

from .models import Category
from .signals import category_changed

# Any constant unique to this lock; pg_advisory_xact_lock takes a bigint.
_TREE_LOCK = 0x63617465676F7279  # "category"


class SlugTakenError(ConflictError):
    default_code = "slug_taken"

    def __init__(self, slug: str):
        super().__init__(f"A sibling category already has the slug {slug!r}.", field="slug")


class CategoryInUseError(ConflictError):
    default_code = "category_in_use"

    def __init__(self, category: Category, children: int, products: int, trashed: int = 0):
        super().__init__(
            f"Category {category.name!r} still has {children} subcategory(ies), "
            f"{products} product(s) and {trashed} in the trash; move or delete them (and purge "
            "the trash) before deleting the category."
        )
        self.children, self.products = children, products


def _parent_error(message: str, code: str) -> ValidationError:
    return ValidationError({"parent": [ErrorDetail(message, code=code)]})


def lock_tree() -> None:
    """Every category write takes this first, before any row lock: a move's foreign key check
    takes a share lock on the new parent, so a row lock taken before the tree lock could
    deadlock with another move."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TREE_LOCK])


def check_shape(category: Category, parent: Category | None) -> None:
    """Under the tree lock: `parent` is neither `category` nor below it, and the subtree still
    fits in CATEGORY_MAX_DEPTH levels."""
    parent_levels, parent_path = 0, []
    if parent is not None:
        node = Category.objects.with_tree_fields().get(pk=parent.pk)
        parent_levels, parent_path = node.tree_depth + 1, node.tree_path
    height = 1
    if category.pk is not None:
        if category.pk in parent_path:
            raise _parent_error(
                "A category cannot be moved under itself or its own subcategories.", "cycle"
            )
        depths = Category.objects.descendants(category, include_self=True).values_list(
            "tree_depth", flat=True
        )
        height = max(depths) - min(depths) + 1
    levels = parent_levels + height
    if levels > settings.CATEGORY_MAX_DEPTH:
        raise _parent_error(
            f"The tree would be {levels} levels deep; at most {settings.CATEGORY_MAX_DEPTH} "
            "are allowed.",
            "too_deep",
        )


def _normalized(data: dict, current_name: str = "") -> dict:
    """Names normalised as identifiers; a slug left blank is the name's (new or current)."""
    if "name" in data:
        data["name"] = identifier_normalized(data["name"])
    if "slug" in data and not data["slug"]:
        data["slug"] = slugify(data.get("name") or current_name)[:100] or "category"
    return data


@transaction.atomic
def category_create(*, name: str, parent: Category | None = None, slug: str = "") -> Category:
    data = _normalized({"name": name, "slug": slug})
    category = Category(name=data["name"], slug=data["slug"], parent=parent)
    lock_tree()
    check_shape(category, parent)
    save_or_conflict(category, SlugTakenError(category.slug))
    category_changed.send(sender=Category, category=category, action="created", changes={})
    return category


@transaction.atomic
def category_update(*, category: Category, data: dict) -> Category:
    """Renames (name, slug) and moves (parent): one row updated, whatever the subtree's size."""
    data = _normalized(dict(data), category.name)
    changes = {
        field: (getattr(category, field), value)
        for field, value in data.items()
        if field in ("name", "slug", "parent") and getattr(category, field) != value
    }
    if not changes:
        return category
    if "parent" in changes:
        lock_tree()  # usually taken already, with the row lock (idempotent in a transaction)
        check_shape(category, data["parent"])
    for field, (_, value) in changes.items():
        setattr(category, field, value)
    save_or_conflict(category, SlugTakenError(category.slug))
    category_changed.send(sender=Category, category=category, action="updated", changes=changes)
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Refused (409, with the counts) while the category has subcategories or products."""
    lock_tree()
    category_id = category.pk
    try:
        with transaction.atomic():
            category.delete()
    except ProtectedError as exc:
        children = Category.objects.filter(parent_id=category_id).count()
        products = category.products.count()
        trashed = category.trashed_products.count()
        raise CategoryInUseError(category, children, products, trashed) from exc
    category.pk = category_id
    category_changed.send(sender=Category, category=category, action="deleted", changes={})
