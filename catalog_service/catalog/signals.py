"""Domain events of the catalog. Other modules subscribe; the catalog imports none of them.

product_changed: sent inside the write's transaction, with
    product  the Product (for "deleted", the instance as it was, pk kept),
    actor    the admin who made the change,
    action   "created" | "updated" | "deleted",
    changes  {field: (old, new)} for the fields that changed, raw values (a Brand, a Decimal):
             receivers that store them make them JSON-safe (notifications.services.json_safe).

brand_changed: sent inside the write's transaction, with
    brand    the Brand (for "deleted", the instance as it was, pk kept),
    action   "created" | "updated" | "deleted",
    changes  {field: (old, new)} for the fields that changed.
"""

from django.dispatch import Signal

product_changed = Signal()
brand_changed = Signal()
