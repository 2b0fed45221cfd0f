"""Stock endpoints: locations, levels, the ledger (admins), and reservations for the order system.

Who may do what: admins everything; a user with the permission `inventory.hold_reservation` (the
order system's service account, `manage.py service_account_create`) reads locations, stock and
the ledger and holds, commits and releases reservations, and nothing else; anyone else, nothing.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from catalog_service.core.conditional import IF_MATCH_PARAMETER, ConditionalWriteMixin
from catalog_service.core.errors import exception_body
from catalog_service.core.permissions import is_admin

from . import services
from .models import IdempotentRequest, Location, Reservation, StockLevel, StockMovement
from .serializers import (
    LocationSerializer,
    ReservationInputSerializer,
    ReservationSerializer,
    StockLevelSerializer,
    StockMovementInputSerializer,
    StockMovementSerializer,
    ThresholdSerializer,
)

HOLD_PERMISSION = "inventory.hold_reservation"
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Unique per reservation attempt (at most 255 characters). Sent again with the "
    "same body, the first answer is returned and nothing more is held; with another body, 422.",
)


def may_hold(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and user.has_perm(HOLD_PERMISSION)
    )


class ReadsStock(BasePermission):
    """Admins do anything; the order system's account only reads."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return may_hold(request.user)
        return is_admin(request.user)


class HoldsStock(BasePermission):
    def has_permission(self, request, view) -> bool:
        return may_hold(request.user)


class IdempotencyKeyRequired(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Send an Idempotency-Key header (at most 255 characters) with a reservation."
    default_code = "idempotency_key_required"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was sent before with another body."
    default_code = "idempotency_key_reused"


@extend_schema_view(
    list=extend_schema(summary="List locations (admins, the order system)"),
    retrieve=extend_schema(summary="Read a location (admins, the order system)"),
    create=extend_schema(summary="Create a location (admins)"),
    update=extend_schema(summary="Rename or (de)activate a location (admins)"),
    partial_update=extend_schema(summary="Rename or (de)activate a location (admins)"),
    destroy=extend_schema(summary="Delete a location that never held stock (admins)"),
)
class LocationViewSet(ConditionalWriteMixin, viewsets.ModelViewSet):
    """Warehouses and stores. Deactivating one takes its stock out of every product's
    availability; a location that holds or held stock cannot be deleted (409)."""

    permission_classes = [ReadsStock]
    serializer_class = LocationSerializer
    queryset = Location.objects.all()
    filter_backends = []

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        location = services.location_create(**serializer.validated_data)
        return Response(self.get_serializer(location).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            location = self.locked_object()
            serializer = self.get_serializer(location, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            location = services.location_update(
                location=location, data=serializer.validated_data, actor=request.user
            )
        self._written = location
        return Response(self.get_serializer(location).data)


class StockLevelFilter(filters.FilterSet):
    product = filters.NumberFilter(field_name="product_id")
    location = filters.NumberFilter(field_name="location_id")

    class Meta:
        model = StockLevel
        fields = ("product", "location")


@extend_schema_view(
    list=extend_schema(summary="List stock levels (admins, the order system)"),
    retrieve=extend_schema(summary="Read a stock level (admins, the order system)"),
    partial_update=extend_schema(
        summary="Set a level's low-stock threshold (admins)",
        request=ThresholdSerializer,
        parameters=[IF_MATCH_PARAMETER],
    ),
)
class StockLevelViewSet(
    ConditionalWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """What each location holds of each product. Quantities change only through movements and
    reservations; admins set the low-stock threshold here."""

    permission_classes = [ReadsStock]
    serializer_class = StockLevelSerializer
    queryset = StockLevel.objects.all()
    filterset_class = StockLevelFilter
    filter_backends = [filters.DjangoFilterBackend]
    http_method_names = ["get", "patch", "head", "options"]
    lookup_value_regex = r"\d+"

    def partial_update(self, request, *args, **kwargs):
        serializer = ThresholdSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            level = services.threshold_set(
                level=self.locked_object(), actor=request.user, **serializer.validated_data
            )
        self._written = level
        return Response(self.get_serializer(level).data)


class StockMovementFilter(filters.FilterSet):
    product = filters.NumberFilter(field_name="level__product_id")
    location = filters.NumberFilter(field_name="level__location_id")
    reason = filters.ChoiceFilter(choices=StockMovement.Reason.choices)

    class Meta:
        model = StockMovement
        fields = ("product", "location", "reason")


@extend_schema_view(
    list=extend_schema(summary="Read the stock ledger, newest first (admins, the order system)"),
    create=extend_schema(
        summary="Receive or adjust stock (admins)",
        request=StockMovementInputSerializer,
        responses={201: StockLevelSerializer},
    ),
)
class StockMovementViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The ledger: one row per change of a level, never changed or deleted. Admins write receipts
    and adjustments here; reservations write the rest."""

    permission_classes = [ReadsStock]
    serializer_class = StockMovementSerializer
    queryset = StockMovement.objects.select_related("level", "actor")
    filterset_class = StockMovementFilter
    filter_backends = [filters.DjangoFilterBackend]

    def create(self, request, *args, **kwargs):
        serializer = StockMovementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        level = services.stock_move(actor=request.user, **serializer.validated_data)
        return Response(StockLevelSerializer(level).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(
        summary="Hold stock for an order: every line or none (admins, the order system)",
        request=ReservationInputSerializer,
        responses={201: ReservationSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
    retrieve=extend_schema(summary="Read a reservation (admins, the order system)"),
)
class ReservationViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Stock held for an order until it is committed (sold), released, or expires. When any
    line lacks stock the answer is 409 `insufficient_stock` naming those lines, and nothing is
    held."""

    permission_classes = [HoldsStock]
    serializer_class = ReservationSerializer
    lookup_value_regex = r"[0-9a-fA-F-]{36}"
    queryset = Reservation.objects.prefetch_related("lines__product")

    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 255:
            raise IdempotencyKeyRequired
        serializer = ReservationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        digest = hashlib.sha256(
            json.dumps(request.data, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    # A concurrent request with the same key waits here for the first to end.
                    record = IdempotentRequest.objects.create(
                        key=key, client=request.user, request_digest=digest, status_code=0, body={}
                    )
            except IntegrityError:
                return self._replay(request.user, key, digest)
            try:
                reservation = services.reservation_hold(
                    actor=request.user, **serializer.validated_data
                )
                answer = status.HTTP_201_CREATED, ReservationSerializer(reservation).data
            except services.InsufficientStockError as exc:
                answer = exc.status_code, exception_body(exc)
            record.status_code, record.body = answer
            record.save(update_fields=["status_code", "body"])
        return Response(answer[1], status=answer[0])

    @staticmethod
    def _replay(client, key: str, digest: str) -> Response:
        record = IdempotentRequest.objects.get(client=client, key=key)
        if record.request_digest != digest:
            raise IdempotencyKeyReused
        return Response(
            record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"}
        )

    def _read(self, pk):
        return ReservationSerializer(self.get_queryset().get(pk=pk)).data

    @extend_schema(summary="Commit a held reservation: a sale", request=None)
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        return self._close(pk, Reservation.Status.COMMITTED)

    @extend_schema(summary="Release a held reservation", request=None)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self._close(pk, Reservation.Status.RELEASED)

    def _close(self, pk, outcome: str) -> Response:
        reservation = self.get_object()  # 404 first
        services.reservation_close(
            reservation_id=reservation.pk, status=outcome, actor=self.request.user
        )
        return Response(self._read(reservation.pk))
