from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from catalog_service.categories.models import Category
from catalog_service.core.models import TimeStampedModel
from catalog_service.core.text import single_line_validator

PRICE_MAX = Decimal("9999999.99")


class Brand(TimeStampedModel):
    name = models.CharField(max_length=100, validators=[single_line_validator])

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="brand_name_unique_ci",
                violation_error_message="A brand with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Availability(models.TextChoices):
    """What anyone may know of a product's stock (inventory: the available units of its active
    locations against their low-stock thresholds)."""

    IN_STOCK = "in_stock"
    LOW_STOCK = "low_stock"
    OUT_OF_STOCK = "out_of_stock"


class Product(TimeStampedModel):
    # What an admin may write, in this order. The input serializer (its limits come from these
    # fields), the services with their change history and notifications, and the Django admin's
    # form all follow it; test_product_fields fails on a field neither here nor excluded there.
    WRITABLE_FIELDS = ("sku", "name", "price", "brand", "category")

    sku = models.CharField("SKU", max_length=64, validators=[single_line_validator])
    name = models.CharField(max_length=200, db_index=True, validators=[single_line_validator])
    price = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(PRICE_MAX)],
    )
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        db_index=False,  # product_category_idx leads with it
    )
    # Derived from the stock levels by the inventory's services, in the transaction that changes
    # them (catalog.services.product_availability_set); kept here so that reads need no join.
    availability = models.CharField(
        max_length=16,
        choices=Availability.choices,
        default=Availability.OUT_OF_STOCK.value,  # a str, as the database returns it
        db_default=Availability.OUT_OF_STOCK.value,
        editable=False,
    )

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                Lower("sku"),
                name="product_sku_unique_ci",
                violation_error_message="A product with this SKU already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="product_price_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=("price", "id"), name="product_price_idx"),
            # A category's products in id order (?category= lists, their first pages).
            models.Index(fields=("category", "id"), name="product_category_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductCacheRepair(models.Model):
    """A product whose cached copy may be stale: its write-through could not reach Redis
    (product_id 0, cache.EVERY_PRODUCT: a brand or category change, which shows in many).

    `product_cache.repair` (periodic) drops the cached copies once Redis answers again, so
    staleness after an outage ends within a repair interval instead of when the copy expires.
    """

    product_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"cache repair of product {self.product_id}"


class SearchWord(models.Model):
    """A distinct word of the product names, lowercased: what product search corrects a misspelt
    term to (catalog.search). Product writes add their words; search_words_rebuild drops the
    words no product uses any more."""

    word = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.word


class TrashedProduct(models.Model):
    """A deleted product, restorable until it is purged (by hand, or TRASH_RETENTION_DAYS after
    its deletion by the periodic purge).

    Trashed products leave the product table, so every read, index and count of the catalog
    stays as it is; a restore inserts the row again with its own id, so its history, counts and
    events (all kept by id) are its own again. Its SKU stays reserved: a new product cannot take
    it while it is here (catalog.services)."""

    id = models.BigIntegerField(primary_key=True)  # the product's own
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=9, decimal_places=2)
    # PROTECT: a brand or category still used in the trash cannot go, so a restore always can.
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="trashed_products")
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trashed_products",
    )
    availability = models.CharField(max_length=16, choices=Availability.choices)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    trashed_at = models.DateTimeField(db_index=True)
    trashed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-trashed_at", "-id")
        verbose_name = "product in the trash"
        verbose_name_plural = "products in the trash"
        constraints = [
            models.UniqueConstraint(Lower("sku"), name="trashed_product_sku_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name} (in the trash)"
