"""Writes to the catalog. Each is one transaction and emits a domain event for the product."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import ProtectedError, Value
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from catalog_service.core import rows
from catalog_service.core.exceptions import ConflictError, save_or_conflict
from catalog_service.core.text import identifier_normalized, single_line_validator

from .models import Brand, Product, TrashedProduct
from .search import search_words_add
from .signals import brand_changed, product_changed

logger = logging.getLogger(__name__)

# Derived from the model once per process: Product.WRITABLE_FIELDS is the one list to keep.
PRODUCT_FIELDS = Product.WRITABLE_FIELDS
_WRITABLE = frozenset(PRODUCT_FIELDS)
_MODEL_FIELDS = [Product._meta.get_field(name) for name in PRODUCT_FIELDS]
# What product_create cannot do without: not null, no default in the model or the database.
_REQUIRED = frozenset(
    f.name for f in _MODEL_FIELDS if not (f.null or f.has_default() or f.has_db_default())
)
SINGLE_LINE = tuple(f.name for f in _MODEL_FIELDS if single_line_validator in f.validators)
DECIMALS = tuple(f.name for f in _MODEL_FIELDS if isinstance(f, models.DecimalField))
# Normalised before uniqueness is checked (core.text): a choice, not derived from the model.
IDENTIFIERS = ("sku",)


class SkuTakenError(ConflictError):
    default_code = "sku_taken"

    def __init__(self, sku: str):
        super().__init__(f"A product with SKU {sku!r} already exists.", field="sku")


class SkuInTrashError(ConflictError):
    default_code = "sku_in_trash"

    def __init__(self, sku: str, trashed_id: int):
        super().__init__(
            f"SKU {sku!r} belongs to product {trashed_id} in the trash: restore it, or purge it "
            "to free its SKU.",
            field="sku",
        )


class BrandNameTakenError(ConflictError):
    default_code = "brand_name_taken"

    def __init__(self, name: str):
        super().__init__(f"A brand named {name!r} already exists.", field="name")


class BrandInUseError(ConflictError):
    default_code = "brand_in_use"

    def __init__(self, brand: Brand, product_count: int, trashed_count: int = 0):
        super().__init__(
            f"Brand {brand.name!r} still has {product_count} product(s) and {trashed_count} in "
            "the trash; delete or move them (and purge the trash) before deleting the brand."
        )


class ProductInUseError(ConflictError):
    default_code = "product_in_use"

    def __init__(self, product: Product):
        super().__init__(
            f"Product {product.sku!r} has stock or reservations on record; its stock history "
            "stays, so the product cannot be deleted."
        )


def same_sku(model, sku: str):
    """`model`'s rows with this SKU ignoring case, by the expression of its unique index
    (`sku__iexact` compiles to UPPER() on PostgreSQL, which no index serves: a full scan)."""
    return model.objects.alias(sku_lower=Lower("sku")).filter(sku_lower=Lower(Value(sku)))


def _ensure_sku_free(sku: str, exclude_pk: int | None = None) -> None:
    if same_sku(Product, sku).exclude(pk=exclude_pk).exists():
        raise SkuTakenError(sku)
    trashed = same_sku(TrashedProduct, sku).values_list("pk", flat=True).first()
    if trashed is not None:  # reserved while its product can be restored
        raise SkuInTrashError(sku, trashed)


def _normalized(data: dict) -> dict:
    """The rules every write path shares (API, Django admin, commands): identifiers normalised
    (core.text), text on one line, and a zero amount never negative."""
    for field in IDENTIFIERS:
        if field in data:
            data[field] = identifier_normalized(data[field])
    for field in SINGLE_LINE:
        if field in data:
            _single_line(field, data[field])
    for field in DECIMALS:
        if data.get(field) == 0:
            data[field] = abs(data[field])  # "-0" is 0.00, not -0.00
    return data


def _single_line(field: str, value: str) -> None:
    try:
        single_line_validator(value)
    except DjangoValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _present(product: Product, *, new: bool) -> dict:
    """The changes of a product created (new) or deleted: each field it has a value for."""
    values = {field: getattr(product, field) for field in PRODUCT_FIELDS}
    return {
        field: (None, value) if new else (value, None)
        for field, value in values.items()
        if value is not None
    }


@transaction.atomic(savepoint=False)
def products_create(*, actor, items: list[dict]) -> list[Product]:
    """product_create for many products at once (an import's batch): the same rules and the
    same product_changed per product, with one query per step for the whole list instead of one
    per product. All or none: on any error (ValidationError, SkuTakenError, SkuInTrashError,
    TypeError) the caller's transaction is spoilt; the caller can then create them one by one
    with product_create to learn which failed."""
    if not items:
        return []
    products = [_new_product("products_create", data) for data in items]
    skus = [product.sku for product in products]
    for model, error in ((Product, SkuTakenError), (TrashedProduct, SkuInTrashError)):
        taken = (
            model.objects.alias(sku_lower=Lower("sku"))
            .filter(sku_lower__in=[sku.lower() for sku in skus])
            .values_list("sku", "pk")
            .first()
        )
        if taken is not None:
            raise error(*taken) if model is TrashedProduct else error(taken[0])
    try:
        with transaction.atomic():
            Product.objects.bulk_create(products)  # ids come back (RETURNING)
    except IntegrityError as exc:  # a SKU twice in the list, or taken meanwhile
        raise SkuTakenError(", ".join(skus[:3]) + ("..." if len(skus) > 3 else "")) from exc
    for product in products:
        _arrived(product, actor, "created")
    return products


def _new_product(caller: str, data: dict) -> Product:
    """The unsaved product of `data` (the writable fields; one with a default may be left out),
    normalised; a programming error (a field unknown or missing) is a TypeError."""
    if unknown := data.keys() - _WRITABLE:
        raise TypeError(f"{caller}: not writable: {', '.join(sorted(unknown))}")
    if missing := _REQUIRED - data.keys():
        raise TypeError(f"{caller}: missing: {', '.join(sorted(missing))}")
    return Product(**_normalized(dict(data)))


def _arrived(product: Product, actor, action: str) -> None:
    """What follows a product's insert (created or restored): its words, then its event."""
    search_words_add(product.name)
    product_changed.send(
        sender=Product,
        product=product,
        actor=actor,
        action=action,
        changes=_present(product, new=True),
    )


@transaction.atomic
def product_create(*, actor, **data) -> Product:
    """`data`: the writable fields (Product.WRITABLE_FIELDS); one with a default may be left out.

    The event's changes carry the values as they are (a brand as the Brand): receivers decide
    how to record them."""
    product = _new_product("product_create", data)
    _ensure_sku_free(product.sku)
    save_or_conflict(product, SkuTakenError(product.sku))
    _arrived(product, actor, "created")
    return product


# No savepoint: callers hold the row lock in their own transaction, which any error here ends
# anyway, and a savepoint costs two round trips on every admin write.
@transaction.atomic(savepoint=False)
def product_update(*, product: Product, actor, data: dict) -> Product:
    """Applies `data` (only the fields to change). A change that changes nothing writes nothing."""
    data = _normalized(dict(data))
    changes = {
        field: (getattr(product, field), value)
        for field, value in data.items()
        if field in _WRITABLE and getattr(product, field) != value
    }
    if not changes:
        return product
    if "sku" in changes:
        _ensure_sku_free(data["sku"], exclude_pk=product.pk)
    for field in changes:
        setattr(product, field, data[field])
    update_fields = [*changes, "updated_at"]
    # One write whatever changes (core.rows: no model signals; product_changed is this write's).
    if "sku" in changes:  # the one unique column: in a savepoint, its violation is a conflict
        try:
            with transaction.atomic():
                updated = rows.update(product, update_fields)
        except IntegrityError as exc:
            raise SkuTakenError(product.sku) from exc
    else:
        updated = rows.update(product, update_fields)
    if not updated:
        raise DatabaseError("The product's row is gone; it should be locked by the caller.")
    if "name" in changes:
        search_words_add(product.name)
    product_changed.send(
        sender=Product, product=product, actor=actor, action="updated", changes=changes
    )
    return product


def product_availability_set(*, product: Product, availability: str, actor) -> bool:
    """Records a new `availability` of a product its caller has locked (the inventory's
    services, in the transaction that changed its stock): the history and the admins'
    notifications show the crossing, the cache serves it from the next read. Whether it
    changed."""
    if product.availability == availability:
        return False
    changes = {"availability": (product.availability, availability)}
    product.availability = availability
    if not rows.update(product, ["availability", "updated_at"]):
        raise DatabaseError("The product's row is gone; it should be locked by the caller.")
    product_changed.send(
        sender=Product, product=product, actor=actor, action="updated", changes=changes
    )
    return True


@transaction.atomic
def product_delete(*, product: Product, actor, purge: bool = False) -> None:
    """Moves a product its caller has locked to the trash (or, `purge`, removes it for good).
    For every reader it is gone at commit, as before the trash existed."""
    changes = _present(product, new=False)
    product_id = product.pk
    try:
        with transaction.atomic():
            product.delete()
            if not purge:
                _trashed(product, product_id, actor).save(force_insert=True)
    except ProtectedError as exc:  # the inventory's rows refer to it
        raise ProductInUseError(product) from exc
    product.pk = product_id
    product_changed.send(
        sender=Product, product=product, actor=actor, action="deleted", changes=changes
    )


def _trashed(product: Product, product_id: int, actor) -> TrashedProduct:
    return TrashedProduct(
        pk=product_id,
        trashed_at=timezone.now(),
        trashed_by=actor if actor and actor.pk else None,
        **{field: getattr(product, field) for field in _TRASH_COPIED},
    )


# What the trash keeps of a product, so that a restore gives it back as it was.
_TRASH_COPIED = (*PRODUCT_FIELDS, "availability", "created_at", "updated_at")


def trashed_locked(pk: int) -> TrashedProduct | None:
    return TrashedProduct.objects.select_for_update().filter(pk=pk).first()


@transaction.atomic
def product_restore(*, trashed: TrashedProduct, actor) -> Product:
    """Brings a trashed product (locked by the caller) back with its own id, so its history,
    view counts and events are its own again. Refused (409 sku_taken) if a product took its SKU
    meanwhile (possible only in a race with its deletion); it then stays in the trash."""
    if same_sku(Product, trashed.sku).exists():
        raise SkuTakenError(trashed.sku)
    kept = {field: getattr(trashed, field) for field in (*PRODUCT_FIELDS, "availability")}
    product = Product(pk=trashed.pk, **kept)
    trashed.delete()
    save_or_conflict(product, SkuTakenError(product.sku), force_insert=True)  # updated_at: now
    product.created_at = trashed.created_at  # auto_now_add set it to now on the insert
    rows.update(product, ["created_at"])
    _arrived(product, actor, "restored")
    return product


@transaction.atomic
def trashed_purge(*, trashed: TrashedProduct) -> None:
    """Removes a trashed product for good: its SKU is free again. Its history and counts stay
    (kept by id), as for any deleted product."""
    trashed.delete()
    logger.info("product %s (%s) purged from the trash", trashed.pk, trashed.sku)


def trash_purge_expired(batch: int = 1000) -> int:
    """Purges what has been in the trash longer than TRASH_RETENTION_DAYS, a batch per
    transaction. Returns how many."""
    before = timezone.now() - timedelta(days=settings.TRASH_RETENTION_DAYS)
    purged = 0
    while True:
        with transaction.atomic():
            ids = list(
                TrashedProduct.objects.filter(trashed_at__lt=before)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch]
            )
            TrashedProduct.objects.filter(pk__in=ids).delete()
        purged += len(ids)
        if len(ids) < batch:
            break
    if purged:
        logger.info("purged %s product(s) from the trash", purged)
    return purged


def _ensure_brand_name_free(name: str, exclude_pk: int | None = None) -> None:
    if Brand.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise BrandNameTakenError(name)


def _brand_name_normalized(name: str) -> str:
    name = identifier_normalized(name)
    _single_line("name", name)
    return name


@transaction.atomic
def brand_create(*, name: str) -> Brand:
    name = _brand_name_normalized(name)
    _ensure_brand_name_free(name)
    brand = Brand(name=name)
    save_or_conflict(brand, BrandNameTakenError(name))
    brand_changed.send(sender=Brand, brand=brand, action="created", changes={})
    return brand


@transaction.atomic
def brand_update(*, brand: Brand, name: str | None = None) -> Brand:
    if name is None:
        return brand
    name = _brand_name_normalized(name)
    if name == brand.name:
        return brand
    _ensure_brand_name_free(name, exclude_pk=brand.pk)
    changes = {"name": (brand.name, name)}
    brand.name = name
    save_or_conflict(brand, BrandNameTakenError(name), update_fields=["name", "updated_at"])
    brand_changed.send(sender=Brand, brand=brand, action="updated", changes=changes)
    from . import cache

    cache.every_product_after_commit()  # a renamed brand shows in each of its products
    return brand


@transaction.atomic
def brand_delete(*, brand: Brand) -> None:
    brand_id = brand.pk
    try:
        with transaction.atomic():
            brand.delete()
    except ProtectedError as exc:
        raise BrandInUseError(
            brand, brand.products.count(), brand.trashed_products.count()
        ) from exc
    brand.pk = brand_id
    brand_changed.send(sender=Brand, brand=brand, action="deleted", changes={})
