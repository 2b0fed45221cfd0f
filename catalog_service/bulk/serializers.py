from rest_framework import serializers

from .models import ImportJob


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line of the file where the row starts.")
    column = serializers.CharField(help_text="The column at fault; empty for the whole row.")
    code = serializers.CharField(help_text="The error codes the API answers (required, ...).")
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    errors = ImportErrorSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ImportJob
        fields = (
            "id",
            "status",
            "mode",
            "dry_run",
            "create_missing",
            "filename",
            "rows_total",
            "rows_done",
            "created",
            "updated",
            "unchanged",
            "failed",
            "errors",
            "message",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields


class ImportQuerySerializer(serializers.Serializer):
    mode = serializers.ChoiceField(ImportJob.Mode.choices, default=ImportJob.Mode.ALL_OR_NOTHING)
    dry_run = serializers.BooleanField(default=False)
    create_missing = serializers.BooleanField(
        default=False,
        help_text="Create the brands and categories the file names and the catalog lacks "
        "(default: such a row is an error, does_not_exist).",
    )
