"""What a notification says, field by field."""

from datetime import UTC, datetime

import pytest

from catalog_service.notifications.content import event_payload, events_message, product_url
from catalog_service.notifications.models import ProductChangeEvent

AT = datetime(2026, 3, 1, 9, 5, 7, 250000, tzinfo=UTC)


def event(**overrides) -> ProductChangeEvent:
    fields = {
        "id": 41,
        "product_id": 7,
        "product_sku": "AMP-1",
        "product_name": "Amplifier",
        "action": "created",
        "changes": {"sku": [None, "AMP-1"], "price": [None, "12.50"]},
        "actor_username": "alice",
        "created_at": AT,
        **overrides,
    }
    return ProductChangeEvent(**fields)


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.PUBLIC_BASE_URL = "https://catalog.example.com//"


def test_product_url_joins_the_base_without_doubling_slashes():
    assert product_url(7) == "https://catalog.example.com/api/v1/product/7/"


def test_payload_has_every_field():
    assert event_payload(event()) == {
        "event": "product.created",
        "event_id": 41,
        "product": {"id": 7, "sku": "AMP-1", "name": "Amplifier"},
        "url": "https://catalog.example.com/api/v1/product/7/",
        "actor": "alice",
        "at": "2026-03-01T09:05:07.250000+00:00",
        "changes": {"sku": {"old": None, "new": "AMP-1"}, "price": {"old": None, "new": "12.50"}},
    }


def test_one_event_is_one_message():
    subject, text, html = events_message([event()])
    assert subject == "[Catalog] AMP-1 created by alice"
    assert text == (
        'alice created product AMP-1 "Amplifier" (id 7) at 2026-03-01 09:05:07 UTC.\n\n'
        "  sku: — → AMP-1\n"
        "  price: — → 12.50\n\n"
        "https://catalog.example.com/api/v1/product/7/\n\n"
    )
    assert "at 2026-03-01 09:05:07 UTC." in html
    assert "<tr><td>price</td><td>—</td><td>12.50</td></tr>" in html
    assert '<a href="https://catalog.example.com/api/v1/product/7/">' in html


def test_several_events_are_one_digest():
    later = event(
        id=42,
        action="updated",
        changes={"price": ["12.50", "0"]},
        created_at=AT.replace(hour=10),
    )
    subject, text, _ = events_message([event(), later])
    assert subject == "[Catalog] 2 product changes"
    assert "price: 12.50 → 0\n" in text
    assert "at 2026-03-01 10:05:07 UTC." in text
    assert text.count("-" * 70) == 1  # one separator between the two


def test_subject_stays_one_line_whatever_the_sku():
    subject, _, _ = events_message([event(product_sku="AMP\r\nBcc: x@example.com")])
    assert subject == "[Catalog] AMP Bcc: x@example.com created by alice"
