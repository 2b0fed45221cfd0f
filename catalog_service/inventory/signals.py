"""Domain events of the inventory. Other modules subscribe; this app imports none of them.

stock_changed: sent inside the write's transaction, once its levels are written, with
    deltas  {level_id: {field: change}} for each StockLevel the write changed: how much
            "on_hand", "reserved" or "low_stock_threshold" went up (or down, negative).
"""

from django.dispatch import Signal

stock_changed = Signal()
