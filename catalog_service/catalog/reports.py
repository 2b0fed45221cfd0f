"""Reports on anonymous product reads, for admins: the counts come from analytics (by product id),
the products and brands from the catalog. They live here, not in analytics, because analytics
never imports the catalog (docs/architecture.md, "Dependencies between apps")."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from catalog_service.analytics import selectors as analytics
from catalog_service.analytics.api import CSV_RESPONSE, ReportView
from catalog_service.analytics.serializers import (
    DateRangeQuerySerializer,
    ViewsSeriesSerializer,
    ViewTotalsSerializer,
    date_range_fields,
)

from . import selectors
from .models import Brand, Product
from .serializers import ProductSerializer


class TopQuerySerializer(DateRangeQuerySerializer):
    def get_fields(self):
        return {
            **super().get_fields(),
            "brand": serializers.PrimaryKeyRelatedField(
                queryset=Brand.objects.all(),
                required=False,
                help_text="Only this brand's products.",
            ),
            "limit": serializers.IntegerField(min_value=1, max_value=1000, default=20),
            "include_trashed": serializers.BooleanField(
                default=False,
                help_text="Rank the products in the trash too (left out by default).",
            ),
        }


class TopRowSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    product = ProductSerializer(allow_null=True, help_text="Null once the product is purged.")
    in_trash = serializers.BooleanField(help_text="Only with include_trashed=true.")
    views = serializers.IntegerField()
    impressions = serializers.IntegerField()


class ViewsReportSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            **date_range_fields(),
            "brand": serializers.IntegerField(allow_null=True),
            "totals": ViewTotalsSerializer(),
            "results": TopRowSerializer(many=True),
        }


class ViewsReportView(ReportView):
    query_serializer_class = TopQuerySerializer

    @extend_schema(
        operation_id="report_views",
        summary="Top products by anonymous views in a date range (admins)",
        parameters=[TopQuerySerializer],
        responses={
            (200, "application/json"): ViewsReportSerializer,
            (200, "text/csv"): CSV_RESPONSE,
        },
        tags=["reports"],
    )
    def get(self, request):
        q = self.query(request)
        brand_id = q["brand"].pk if q.get("brand") else None
        span = {"date_from": q["from"], "date_to": q["to"], "brand_id": brand_id}
        top = selectors.views_top(**span, limit=q["limit"], include_trashed=q["include_trashed"])
        body = {
            "from": q["from"],
            "to": q["to"],
            "brand": brand_id,
            "totals": selectors.views_totals(**span),
            "results": [
                {
                    "product_id": row.product_id,
                    "product": ProductSerializer(row.product).data if row.product else None,
                    "in_trash": row.in_trash,
                    "views": row.views,
                    "impressions": row.impressions,
                }
                for row in top
            ],
        }
        rows = [
            [
                rank,
                row.product_id,
                row.product.sku if row.product else "",
                row.product.name if row.product else "(deleted)",
                row.product.brand.name if row.product else "",
                row.views,
                row.impressions,
                row.in_trash,
            ]
            for rank, row in enumerate(top, start=1)
        ]
        columns = ["rank", "product_id", "sku", "name", "brand", "views", "impressions", "in_trash"]
        filename = f"product-views_{q['from']}_{q['to']}.csv"
        return self.respond(request, body, columns, rows, filename)


class ProductViewsSeriesView(ReportView):
    @extend_schema(
        operation_id="product_views_series",
        summary="Daily anonymous views of one product (admins)",
        parameters=[DateRangeQuerySerializer],
        responses={
            (200, "application/json"): ViewsSeriesSerializer,
            (200, "text/csv"): CSV_RESPONSE,
        },
        tags=["reports"],
    )
    def get(self, request, product_id: int):
        product = get_object_or_404(Product, pk=product_id)
        q = self.query(request)
        days = analytics.views_series(product_id=product.pk, date_from=q["from"], date_to=q["to"])
        body = {
            "product_id": product.pk,
            "from": q["from"],
            "to": q["to"],
            "totals": {
                "views": sum(d["views"] for d in days),
                "impressions": sum(d["impressions"] for d in days),
            },
            "days": days,
        }
        rows = [[d["date"], d["views"], d["impressions"]] for d in days]
        filename = f"product-{product.pk}-views_{q['from']}_{q['to']}.csv"
        return self.respond(request, body, ["date", "views", "impressions"], rows, filename)
