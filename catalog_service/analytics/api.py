from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog_service.catalog.models import Product
from catalog_service.catalog.serializers import ProductSerializer
from catalog_service.core.permissions import IsAdmin
from catalog_service.core.renderers import ORJSONRenderer as JSONRenderer

from . import selectors
from .renderers import CSVRenderer
from .serializers import (
    DateRangeQuerySerializer,
    TopQuerySerializer,
    ViewsReportSerializer,
    ViewsSeriesSerializer,
)

CSV_RESPONSE = OpenApiResponse(OpenApiTypes.STR, description="The same report as CSV.")


class ReportView(APIView):
    """A report as JSON, or as CSV with `?format=csv` or `Accept: text/csv`."""

    permission_classes = [IsAdmin]
    renderer_classes = [JSONRenderer, CSVRenderer]
    query_serializer_class = DateRangeQuerySerializer

    def query(self, request) -> dict:
        serializer = self.query_serializer_class(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def respond(self, request, body: dict, columns: list[str], rows: list[list], filename: str):
        if request.accepted_renderer.format != "csv":
            return Response(body)
        return Response(
            {"columns": columns, "rows": rows},
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def finalize_response(self, request, response, *args, **kwargs):
        # Only reports are tables: errors and OPTIONS metadata stay JSON even if CSV was asked.
        renderer = getattr(request, "accepted_renderer", None)
        is_table = isinstance(getattr(response, "data", None), dict) and "columns" in response.data
        if renderer is not None and renderer.format == "csv" and not is_table:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


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
        top = selectors.views_top(**span, limit=q["limit"])
        body = {
            "from": q["from"],
            "to": q["to"],
            "brand": brand_id,
            "totals": selectors.views_totals(**span),
            "results": [
                {
                    "product_id": row.product_id,
                    "product": ProductSerializer(row.product).data if row.product else None,
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
            ]
            for rank, row in enumerate(top, start=1)
        ]
        columns = ["rank", "product_id", "sku", "name", "brand", "views", "impressions"]
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
        days = selectors.views_series(product_id=product.pk, date_from=q["from"], date_to=q["to"])
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
