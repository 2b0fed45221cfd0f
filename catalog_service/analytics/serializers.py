from datetime import date, timedelta

from rest_framework import serializers

from .counters import today

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


def date_range_fields() -> dict:
    # `from` is a Python keyword, so the fields are declared by name here.
    return {
        "from": serializers.DateField(
            required=False, help_text="First day (UTC), YYYY-MM-DD. Default: 29 days before `to`."
        ),
        "to": serializers.DateField(required=False, help_text="Last day (UTC). Default: today."),
    }


class DateRangeQuerySerializer(serializers.Serializer):
    def get_fields(self):
        return date_range_fields()

    def validate(self, attrs):
        attrs.setdefault("to", today())
        if "from" not in attrs:  # the default range, cut short at the first day there is
            days = min(DEFAULT_RANGE_DAYS - 1, (attrs["to"] - date.min).days)
            attrs["from"] = attrs["to"] - timedelta(days=days)
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": ["`from` must not be after `to`."]})
        if (attrs["to"] - attrs["from"]).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"to": [f"The range may cover at most {MAX_RANGE_DAYS} days."]}
            )
        return attrs


class ViewTotalsSerializer(serializers.Serializer):
    views = serializers.IntegerField()
    impressions = serializers.IntegerField()


class DayRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    views = serializers.IntegerField()
    impressions = serializers.IntegerField()


class ViewsSeriesSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "product_id": serializers.IntegerField(),
            **date_range_fields(),
            "totals": ViewTotalsSerializer(),
            "days": DayRowSerializer(many=True),
        }
