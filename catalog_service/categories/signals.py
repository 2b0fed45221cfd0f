"""Domain events of the category tree. Other modules subscribe; this app imports none of them.

category_changed: sent inside the write's transaction, with
    category  the Category (for "deleted", the instance as it was, pk kept),
    action    "created" | "updated" | "deleted",
    changes   {field: (old, new)} of what changed ("name", "slug", "parent").
A rename or a move changes how every product below the category is shown.
"""

from django.dispatch import Signal

category_changed = Signal()
