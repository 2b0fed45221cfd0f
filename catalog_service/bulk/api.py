"""Bulk work on products over HTTP: the CSV/JSON Lines export and the CSV import jobs."""

from django.conf import settings
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog_service.catalog.api import ProductViewSet
from catalog_service.catalog.selectors import product_list
from catalog_service.core.permissions import IsAdmin
from catalog_service.core.renderers import ORJSONRenderer

from . import exports, imports, tasks
from .columns import COLUMNS
from .models import ImportJob
from .parsers import CSVUploadParser
from .renderers import CSVStreamRenderer, JSONLinesStreamRenderer
from .serializers import ImportJobSerializer, ImportQuerySerializer


class ProductExportView(APIView):
    """Every product, or those a list filter picks, as CSV or JSON Lines."""

    permission_classes = [IsAdmin]
    renderer_classes = [CSVStreamRenderer, JSONLinesStreamRenderer, ORJSONRenderer]
    # The list's own filters and search, so an export is exactly a list's rows (in id order).
    filter_backends = ProductViewSet.filter_backends[:2]
    filterset_class = ProductViewSet.filterset_class
    search_fields = ProductViewSet.search_fields

    @extend_schema(
        summary="Export products as CSV or JSON Lines, whole or by any list filter (admins)",
        description=(
            f"Streams the products in id order. Columns, in this order: {', '.join(COLUMNS)}; "
            "brand by name, category by its path of names from the root ('A > B'), empty for "
            "none; the stock columns sum the active locations. The import reads the same file "
            "(availability and stock are ignored there). A CSV cell "
            "that a spreadsheet would run as a formula starts with `'`. `?format=jsonl` (or "
            "`Accept: application/x-ndjson`): one JSON object per line."
        ),
        parameters=[OpenApiParameter("format", str, enum=["csv", "jsonl"])],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8."),
            (200, "application/x-ndjson"): OpenApiResponse(
                OpenApiTypes.STR, description="JSON Lines."
            ),
        },
    )
    def get(self, request):
        queryset = product_list()
        for backend in self.filter_backends:
            queryset = backend().filter_queryset(request, queryset, self)
        csv = request.accepted_renderer.format == "csv"
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        filename = f"products-{stamp}.{'csv' if csv else 'jsonl'}"
        response = StreamingHttpResponse(
            exports.csv_lines(queryset) if csv else exports.json_lines(queryset),
            content_type=f"{request.accepted_renderer.media_type}; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        if not isinstance(response, StreamingHttpResponse):  # an error: JSON, whatever was asked
            request.accepted_renderer = ORJSONRenderer()
            request.accepted_media_type = ORJSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class ProductImportView(APIView):
    """Queues an import of products from the catalog's CSV."""

    permission_classes = [IsAdmin]
    parser_classes = [CSVUploadParser, MultiPartParser]
    # core.middleware.RequestGuardMiddleware: this view takes files up to this size.
    max_request_body_bytes = settings.IMPORT_MAX_BYTES + 64 * 1024  # the multipart envelope

    @extend_schema(
        summary="Import products from CSV, as a background job (admins)",
        description=(
            "The CSV is the body (`Content-Type: text/csv`) or the multipart field `file`: the "
            "columns of the export (sku, name, price, brand required; category optional; "
            "availability and stock ignored), UTF-8. Upsert by SKU. Refused at once (nothing "
            "queued) for a wrong encoding or header, an empty file, more than IMPORT_MAX_ROWS "
            "rows (400) or more than IMPORT_MAX_BYTES (413). Answers 202 with the job and its "
            "URL in `Location`; poll it. Each other admin gets one summary when it ends."
        ),
        parameters=[ImportQuerySerializer],
        request={
            "text/csv": OpenApiTypes.STR,
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            },
        },
        responses={202: ImportJobSerializer},
    )
    def post(self, request):
        query = ImportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        upload = request.data.get("file")
        if upload is None and request.content_type.startswith(CSVUploadParser.media_type):
            upload = b""  # DRF parses no empty body: an empty file, refused as such
        if upload is None:
            raise imports.ImportRefusedError(
                "Send the CSV as the body (Content-Type: text/csv) or as the multipart field "
                "'file'.",
                code="file_missing",
            )
        filename = ""
        if not isinstance(upload, bytes):  # an uploaded file
            if upload.size > settings.IMPORT_MAX_BYTES:
                raise imports.FileTooLargeError(
                    f"The file has {upload.size} bytes; the limit is {settings.IMPORT_MAX_BYTES}."
                )
            filename, upload = upload.name, upload.read()
        job = imports.job_create(
            content=upload, actor=request.user, filename=filename, **query.validated_data
        )
        transaction.on_commit(lambda: tasks.import_enqueue(job.pk))
        location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{job.pk}/")
        return Response(
            ImportJobSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )


class ProductImportJobView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        summary="An import job: its status, counts and row errors (admins)",
        responses=ImportJobSerializer,
    )
    def get(self, request, job_id):
        return Response(ImportJobSerializer(get_object_or_404(ImportJob, pk=job_id)).data)
