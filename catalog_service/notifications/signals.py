"""Signals of notifications: services send them, tasks.py receives them (apps.py connects the two),
so services never import tasks.

deliveries_due: these deliveries are to be sent; sent once the rows are committed, with
    delivery_ids  the Delivery ids, each to get its own send task,
    countdown     seconds before the sends are due (0: now),
    traceparents  {delivery id: the W3C traceparent its send continues} (when tracing).
"""

from django.dispatch import Signal

deliveries_due = Signal()
