"""Stock: locations, a level per product and location, its append-only ledger, reservations.

The database itself keeps the levels sane (CHECK constraints: nothing negative, never more
reserved than on hand), so no code path can oversell; every change of a level is one movement
row written in the same transaction (services), and `manage.py stock_audit` proves that each
level is the sum of its movements.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog_service.catalog.models import Product
from catalog_service.core.models import TimeStampedModel
from catalog_service.core.text import single_line_validator


class Location(TimeStampedModel):
    """A warehouse or a store. Only active locations count towards a product's availability."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100, validators=[single_line_validator])
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.code


class StockLevel(models.Model):
    """What one location holds of one product: on hand, reserved for orders, and the level at or
    below which the product counts as low on stock there."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("product_id", "location_id")
        constraints = [
            models.UniqueConstraint(fields=("product", "location"), name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]
        indexes = [models.Index(fields=("location", "product"), name="stock_level_location_idx")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.location_id}: {self.on_hand} on hand, {self.reserved} held"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Stock held for an order until it is committed (sold), released, or expires."""

    class Status(models.TextChoices):
        HELD = "held"
        COMMITTED = "committed"
        RELEASED = "released"
        EXPIRED = "expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.HELD)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        permissions = [
            ("hold_reservation", "Can read stock, and hold, commit and release reservations")
        ]
        indexes = [
            models.Index(
                fields=("expires_at",), condition=Q(status="held"), name="reservation_held_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.status}"

    @property
    def line_list(self) -> list:
        """Its lines: those just written when it was held (services), else from the database."""
        held = getattr(self, "held_lines", None)
        return held if held is not None else list(self.lines.all())


class ReservationLine(models.Model):
    reservation = models.ForeignKey(Reservation, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_line_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}@{self.location_id}"


class StockMovement(models.Model):
    """One change of one level: append-only (PostgreSQL refuses UPDATE and DELETE of these rows,
    migration 0001). A level's on_hand and reserved are the sums of its movements' deltas."""

    class Reason(models.TextChoices):
        RECEIPT = "receipt"
        ADJUSTMENT = "adjustment"
        RESERVATION = "reservation"
        RELEASE = "release"
        SALE = "sale"
        EXPIRY = "expiry"

    level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="movements")
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=200, blank=True, validators=[single_line_validator])
    # PROTECT: the ledger is never rewritten, so an account that moved stock is deactivated,
    # not deleted. None: the system (an expiry).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reservation = models.ForeignKey(
        Reservation, null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-id",)
        constraints = [
            models.CheckConstraint(
                condition=~Q(on_hand_delta=0, reserved_delta=0), name="stock_movement_moves"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.reason} {self.on_hand_delta:+}/{self.reserved_delta:+} at level {self.level_id}"
        )


class IdempotentRequest(models.Model):
    """The first answer to a request sent with an `Idempotency-Key`, per client: a replay with the
    same body gets it again and changes nothing; the same key with another body is refused."""

    key = models.CharField(max_length=255)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("client", "key"), name="idempotent_request_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} -> {self.status_code}"
