from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Delivery, ProductChangeEvent


class FieldChangeSerializer(serializers.Serializer):
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class ProductChangeEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")
    changes = serializers.SerializerMethodField()

    class Meta:
        model = ProductChangeEvent
        fields = (
            "id",
            "product_id",
            "product_sku",
            "product_name",
            "action",
            "actor",
            "created_at",
            "changes",
        )

    @extend_schema_field(serializers.DictField(child=FieldChangeSerializer()))
    def get_changes(self, event) -> dict:
        return {field: {"old": old, "new": new} for field, (old, new) in event.changes.items()}


class DeliveryEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductChangeEvent
        fields = ("id", "action", "product_id", "product_sku", "actor_username", "created_at")


class DeliverySerializer(serializers.ModelSerializer):
    event = DeliveryEventSerializer(allow_null=True, help_text="Null for a summary (an import).")
    subject = serializers.SerializerMethodField()

    def get_subject(self, delivery) -> str | None:
        """A summary's subject (null for a change's own notification: see `event`)."""
        return delivery.message["subject"] if delivery.message else None

    class Meta:
        model = Delivery
        fields = (
            "id",
            "event",
            "subject",
            "channel",
            "recipient",
            "address",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "sent_at",
            "created_at",
        )
        read_only_fields = fields
