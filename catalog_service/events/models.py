import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Event(models.Model):
    """One committed change of the catalog, to publish on the message broker: the outbox row,
    written in the change's transaction (services), published by the relay after it commits.

    `id` orders the events: changes of one entity hold its row lock until they commit, so their
    ids follow their commit order, and the relay publishes in id order. `event_id` is the
    CloudEvents id consumers deduplicate by: the same on every attempt to publish the event.
    """

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=64, help_text='"<entity>.<action>", e.g. product.updated')
    subject = models.CharField(max_length=128, help_text='"<entity>/<id>", e.g. product/123')
    data = models.JSONField(help_text='{"<entity>": state after the change, "changes": {...}}')
    time = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        indexes = [
            models.Index(
                fields=("id",), condition=Q(published_at__isnull=True), name="event_pending_idx"
            ),
            models.Index(
                fields=("published_at",),
                condition=Q(published_at__isnull=False),
                name="event_published_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject}"

    @property
    def routing_key(self) -> str:
        return f"catalog.{self.type}"
