"""What a notification says: who changed which product, when, and each field's old → new value."""

from django.conf import settings
from django.template.loader import render_to_string

from catalog_service.core.text import header_safe

from .models import ProductChangeEvent


def product_url(product_id: int) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/product/{product_id}/"


def _shown(value) -> str:
    return "—" if value is None else str(value)


def event_payload(event: ProductChangeEvent) -> dict:
    return {
        "event": f"product.{event.action}",
        "event_id": event.pk,
        "product": {"id": event.product_id, "sku": event.product_sku, "name": event.product_name},
        "url": product_url(event.product_id),
        "actor": event.actor_username,
        "at": event.created_at.isoformat(),
        "changes": {field: {"old": old, "new": new} for field, (old, new) in event.changes.items()},
    }


def _event_context(event: ProductChangeEvent) -> dict:
    return {
        "event": event,
        "when": event.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "url": product_url(event.product_id),
        "changes": [
            (field, _shown(old), _shown(new)) for field, (old, new) in event.changes.items()
        ],
    }


def events_message(events: list[ProductChangeEvent]) -> tuple[str, str, str]:
    """(subject, plain text, HTML) for one change event, or a digest of several."""
    if len(events) == 1:
        event = events[0]
        subject = f"[Catalog] {event.product_sku} {event.action} by {event.actor_username}"
    else:
        subject = f"[Catalog] {len(events)} product changes"
    subject = header_safe(subject)  # whatever the data: a subject is one header line
    context = {"items": [_event_context(event) for event in events]}
    text = render_to_string("notifications/product_changes.txt", context)
    html = render_to_string("notifications/product_changes.html", context)
    return subject, text, html
