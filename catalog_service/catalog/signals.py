"""Domain events of the catalog. Other modules subscribe; the catalog imports none of them.

product_changed: sent inside the write's transaction, with
    product  the Product (for "deleted", the instance as it was, pk kept),
    actor    the admin who made the change,
    action   "created" | "updated" | "deleted",
    changes  {field: (old, new)} for the fields that changed, raw values (a Brand, a Decimal):
             receivers that store them make them JSON-safe (notifications.services.json_safe).

changes_in_bulk(): the context of a bulk change (in_bulk() tells receivers).

brand_changed: sent inside the write's transaction, with
    brand    the Brand (for "deleted", the instance as it was, pk kept),
    action   "created" | "updated" | "deleted",
    changes  {field: (old, new)} for the fields that changed.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

from catalog_service.core import rows

product_changed = Signal()
brand_changed = Signal()

_in_bulk: ContextVar[bool] = ContextVar("product_changes_in_bulk", default=False)


@contextmanager
def changes_in_bulk():
    """Product changes sent inside are parts of one bulk change (an import). Receivers still
    record each (its history, its event) but act once for the whole: the admins get one summary
    from the importer instead of a notification per product, the importer refreshes the cache
    once per transaction instead of writing each product through, and the rows recorded are
    written together when the block ends (core.rows.inserts_deferred). Use it inside the
    transaction."""
    token = _in_bulk.set(True)
    try:
        with rows.inserts_deferred():  # their history and events: one INSERT per table
            yield
    finally:
        _in_bulk.reset(token)


def in_bulk() -> bool:
    return _in_bulk.get()
