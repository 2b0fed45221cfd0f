from django.conf import settings
from django.db.models.functions import Lower
from rest_framework import serializers

from catalog_service.catalog.models import Product
from catalog_service.core.fields import TrimmedCharField
from catalog_service.core.pagination import BIGINT_MAX
from catalog_service.core.text import single_line_validator

from .models import Location, Reservation, ReservationLine, StockLevel, StockMovement
from .services import Line


class LocationSerializer(serializers.ModelSerializer):
    name = TrimmedCharField(max_length=100, validators=[single_line_validator])

    class Meta:
        model = Location
        fields = ("id", "code", "name", "active", "created_at", "updated_at")
        read_only_fields = ("id", "created_at", "updated_at")
        # a taken code is the services' 409 location_code_taken, as for SKUs and brand names
        extra_kwargs = {"code": {"validators": []}}


# Quantities are declared, not derived from the models: the model fields' ranges depend on the
# database (SQLite's integers are wider), and the schema must not.
def _quantity(**kwargs):
    return serializers.IntegerField(read_only=True, **kwargs)


class StockLevelSerializer(serializers.ModelSerializer):
    on_hand = _quantity()
    reserved = _quantity()
    available = _quantity(help_text="on_hand - reserved")
    low_stock_threshold = _quantity()

    class Meta:
        model = StockLevel
        fields = (
            "id",
            "product",
            "location",
            "on_hand",
            "reserved",
            "available",
            "low_stock_threshold",
            "updated_at",
        )
        read_only_fields = ("id", "product", "location", "on_hand", "reserved", "updated_at")


class ThresholdSerializer(serializers.Serializer):
    low_stock_threshold = serializers.IntegerField(min_value=0, max_value=2**31 - 1)


class StockMovementSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="level.product_id", read_only=True)
    location = serializers.IntegerField(source="level.location_id", read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)
    on_hand_delta = _quantity()
    reserved_delta = _quantity()

    class Meta:
        model = StockMovement
        fields = (
            "id",
            "product",
            "location",
            "on_hand_delta",
            "reserved_delta",
            "reason",
            "note",
            "actor",
            "reservation",
            "created_at",
        )
        read_only_fields = fields


class StockMovementInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), pk_field=serializers.IntegerField(max_value=BIGINT_MAX)
    )
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), pk_field=serializers.IntegerField(max_value=BIGINT_MAX)
    )
    delta = serializers.IntegerField(
        min_value=-(2**31) + 1,
        max_value=2**31 - 1,
        help_text="Units added (positive) or removed (negative, adjustments only).",
    )
    reason = serializers.ChoiceField(
        choices=[StockMovement.Reason.RECEIPT, StockMovement.Reason.ADJUSTMENT]
    )
    note = TrimmedCharField(max_length=200, required=False, default="", allow_blank=True)


class ReservationLineInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(
        required=False, min_value=1, max_value=BIGINT_MAX, help_text="Product id (or give `sku`)."
    )
    sku = TrimmedCharField(
        required=False, max_length=64, help_text="Product SKU, ignoring case (or give `product`)."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    location = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=BIGINT_MAX,
        help_text="Location id; without it, the first active location that has the quantity.",
    )

    def validate(self, attrs):
        if ("product" in attrs) == ("sku" in attrs):
            raise serializers.ValidationError("Give either `product` or `sku`.", code="required")
        return attrs


class ReservationInputSerializer(serializers.Serializer):
    lines = ReservationLineInputSerializer(many=True, allow_empty=False)
    ttl_seconds = serializers.IntegerField(
        min_value=1,
        max_value=settings.RESERVATION_TTL_MAX_SECONDS,
        default=settings.RESERVATION_TTL_SECONDS,
        help_text="Seconds the stock stays held unless committed or released.",
    )

    def validate_lines(self, lines):
        if len(lines) > settings.RESERVATION_MAX_LINES:
            raise serializers.ValidationError(
                f"At most {settings.RESERVATION_MAX_LINES} lines.", code="max_length"
            )
        by_id = Product.objects.in_bulk([line["product"] for line in lines if "product" in line])
        skus = {line["sku"].lower() for line in lines if "sku" in line}
        by_sku = {
            product.sku.lower(): product
            for product in Product.objects.annotate(sku_lower=Lower("sku")).filter(
                sku_lower__in=skus
            )
        }
        locations = Location.objects.in_bulk(
            [line["location"] for line in lines if line.get("location")]
        )
        resolved, errors = [], {}
        for index, line in enumerate(lines):
            product = (
                by_id.get(line["product"]) if "product" in line else by_sku.get(line["sku"].lower())
            )
            location = locations.get(line["location"]) if line.get("location") else None
            if product is None:
                errors[index] = {"product": ["No such product."]}
            elif line.get("location") and location is None:
                errors[index] = {"location": ["No such location."]}
            else:
                resolved.append(Line(product=product, quantity=line["quantity"], location=location))
        if errors:
            raise serializers.ValidationError(errors)
        return resolved


class ReservationLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    quantity = _quantity()

    class Meta:
        model = ReservationLine
        fields = ("product", "sku", "location", "quantity")
        read_only_fields = fields


class ReservationSerializer(serializers.ModelSerializer):
    lines = ReservationLineSerializer(source="line_list", many=True, read_only=True)

    class Meta:
        model = Reservation
        fields = ("id", "status", "lines", "expires_at", "created_at", "closed_at")
        read_only_fields = fields
