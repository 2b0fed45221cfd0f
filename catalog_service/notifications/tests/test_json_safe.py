"""Changed values of any field type are recorded JSON-safe, in one place (services.json_safe)."""

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from catalog_service.catalog.models import Brand, Product
from catalog_service.catalog.tests.factories import BrandFactory
from catalog_service.notifications import services
from catalog_service.notifications.content import event_payload, events_message
from catalog_service.notifications.models import ProductChangeEvent


def test_json_safe_turns_every_field_type_into_json():
    identifier = uuid.UUID("12345678-1234-5678-1234-567812345678")
    cases = [
        (None, None),
        ("CD Player", "CD Player"),
        (3, 3),
        (True, True),
        (1.5, 1.5),
        (float("nan"), "nan"),  # jsonb has no NaN
        (Decimal("12.50"), "12.50"),  # the recorded money shape stays
        (Decimal("0.00"), "0.00"),
        (date(2026, 1, 2), "2026-01-02"),
        (datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "2026-01-02T03:04:05.678Z"),
        (time(3, 4, 5), "03:04:05"),
        (timedelta(days=1, seconds=5), "P1DT00H00M05S"),
        (identifier, str(identifier)),
        (Brand(name="Denon"), "Denon"),  # a foreign key: its display, a brand's name
        ([date(2026, 1, 2), Decimal("1.10")], ["2026-01-02", "1.10"]),
        ({"released": date(2026, 1, 2)}, {"released": "2026-01-02"}),
        (b"raw", "b'raw'"),  # an unforeseen type: its text, never a failed write
    ]
    for value, expected in cases:
        safe = services.json_safe(value)
        assert safe == expected, value
        json.dumps(safe, allow_nan=False)


def test_a_date_and_a_foreign_key_in_a_diff_are_recorded_and_notified(admin_user, product):
    """What a new date field or another foreign key would send, through the receiver."""
    sony = BrandFactory(name="Sony")
    changes = {
        "released": (None, date(2026, 1, 2)),
        "brand": (product.brand, sony),
        "price": (Decimal("12.50"), Decimal("13.00")),
        "checked_at": (None, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    }
    services.product_change_record(
        Product, product=product, actor=admin_user, action="updated", changes=changes
    )
    event = ProductChangeEvent.objects.get()
    assert event.changes == {
        "released": [None, "2026-01-02"],
        "brand": ["Denon", "Sony"],
        "price": ["12.50", "13.00"],
        "checked_at": [None, "2026-01-02T03:04:05Z"],
    }
    event.refresh_from_db()  # as the worker reads it
    assert event_payload(event)["changes"]["released"] == {"old": None, "new": "2026-01-02"}
    _subject, text, html = events_message([event])
    assert "released: — → 2026-01-02" in text
    assert "brand: Denon → Sony" in text
    assert "<td>Denon</td><td>Sony</td>" in html
