"""What every report view shares: admins only, JSON or CSV, a validated date range.

The reports themselves are served by the app that owns what they show: the reports on product
reads are the catalog's (catalog/reports.py), since analytics knows products only by id.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog_service.core.permissions import IsAdmin
from catalog_service.core.renderers import ORJSONRenderer as JSONRenderer

from .renderers import CSVRenderer
from .serializers import DateRangeQuerySerializer

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
