import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from catalog_service.catalog.models import Product
from catalog_service.core.permissions import IsAdmin

from . import services
from .models import Delivery, ProductChangeEvent
from .selectors import delivery_list, event_list
from .serializers import DeliverySerializer, ProductChangeEventSerializer


class EventFilter(django_filters.FilterSet):
    product = django_filters.NumberFilter(field_name="product_id")
    actor = django_filters.CharFilter(field_name="actor_username")

    class Meta:
        model = ProductChangeEvent
        fields = ("product", "action", "actor")


@extend_schema_view(
    list=extend_schema(summary="Product change events, newest first (admins)"),
    retrieve=extend_schema(summary="One product change event (admins)"),
)
class ProductChangeEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Every product change: who, when, what. Includes deleted products (filter by `product`)."""

    permission_classes = [IsAdmin]
    serializer_class = ProductChangeEventSerializer
    filterset_class = EventFilter
    ordering_fields = ("created_at",)
    ordering = ("-created_at",)

    def get_queryset(self):
        return event_list()


@extend_schema(summary="The change history of one product, newest first (admins)")
class ProductHistoryView(ListAPIView):
    permission_classes = [IsAdmin]
    serializer_class = ProductChangeEventSerializer
    filter_backends = []

    def get_queryset(self):
        product_id = self.kwargs["product_id"]
        events = event_list().filter(product_id=product_id).order_by("-created_at", "-id")
        if not events.exists():
            get_object_or_404(Product, pk=product_id)
        return events


class DeliveryFilter(django_filters.FilterSet):
    class Meta:
        model = Delivery
        fields = ("status", "channel", "event")


@extend_schema_view(
    list=extend_schema(summary="Notification deliveries with status and attempts (admins)"),
    retrieve=extend_schema(summary="One notification delivery (admins)"),
)
class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The notification outbox: one row per recipient and channel of each product change."""

    permission_classes = [IsAdmin]
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
    ordering_fields = ("created_at", "status")
    ordering = ("-id",)

    def get_queryset(self):
        return delivery_list()

    @extend_schema(request=None, summary="Send a failed delivery again (admins)")
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        delivery = services.delivery_resend(delivery=self.get_object())
        return Response(self.get_serializer(delivery_list().get(pk=delivery.pk)).data)
