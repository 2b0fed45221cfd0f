from django.db.models import QuerySet

from .models import Delivery, ProductChangeEvent


def event_list() -> QuerySet[ProductChangeEvent]:
    return ProductChangeEvent.objects.all()


def delivery_list() -> QuerySet[Delivery]:
    return Delivery.objects.select_related("event")
