from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from catalog_service.accounts.models import User
from catalog_service.catalog.models import Product


def _copy_of(model, name: str) -> int:
    """The max_length of the field this one copies, so the copy follows it (with a migration
    that `makemigrations --check` asks for)."""
    return model._meta.get_field(name).max_length


class ProductChangeEvent(models.Model):
    """Who changed which product, when, and how: the history, and the source of notifications.

    The product is kept as a plain id plus a snapshot, so the history of a deleted product stays.
    The event is the outbox row of its notifications: it commits with the change, and the relay
    (services.events_fan_out) writes its deliveries afterwards.
    """

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"
        RESTORED = "restored"  # from the trash

    product_id = models.BigIntegerField(db_index=True)
    product_sku = models.CharField(max_length=_copy_of(Product, "sku"))
    product_name = models.CharField(max_length=_copy_of(Product, "name"))
    action = models.CharField(max_length=16, choices=Action.choices)
    changes = models.JSONField(help_text='{"field": [old, new]} for each changed field.')
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=_copy_of(User, "username"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # NULL until the relay has written the event's deliveries. Writers set NULL explicitly; a row
    # inserted without the column (by a version that wrote its deliveries itself, still running
    # during a deploy) gets the database default and is never fanned out twice.
    fanned_out_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    # The W3C traceparent of the request that made the change (when tracing): the worker's sends
    # continue its trace. A database default: rows an older version inserts during a deploy.
    traceparent = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=("id",),
                condition=Q(fanned_out_at__isnull=True),
                name="event_fan_out_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_sku} {self.action} by {self.actor_username}"


class Delivery(models.Model):
    """One notification to send: an outbox row written in the same transaction as the change."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        # The recipient stopped being an active admin before it was sent.
        CANCELLED = "cancelled"

    # Null for a notification about no single change (an import's summary): its `message`.
    event = models.ForeignKey(
        ProductChangeEvent,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    message = models.JSONField(
        null=True,
        blank=True,
        help_text="Without an event: the notification itself (subject, text, html, payload).",
    )
    channel = models.CharField(max_length=32)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(max_length=500, help_text="Email address, or the webhook URL.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While SENDING: until when the sender holds it. Past that, the sweep takes it back.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ("-id",)
        indexes = [models.Index(fields=("status", "next_attempt_at"), name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.channel} to {self.address or '-'}: {self.status}"
