from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.fields import BooleanField
from rest_framework.response import Response

from catalog_service.analytics.selectors import product_view_totals, with_view_totals
from catalog_service.core.conditional import IF_MATCH_PARAMETER, ConditionalWriteMixin
from catalog_service.core.filters import FilterBackend
from catalog_service.core.pagination import BIGINT_MAX, IdCursorPagination, PageNumberPagination
from catalog_service.core.permissions import IsAdmin, IsAdminOrReadOnly, is_admin

from . import services
from .filters import ProductFilter
from .models import Product
from .pagination import ProductPageNumberPagination
from .search import ProductSearchFilter, SearchRankOrderingFilter
from .selectors import brand_list, product_list, product_locked, trashed_list
from .serializers import (
    AdminProductSerializer,
    BrandSerializer,
    ProductFeedSerializer,
    ProductInputSerializer,
    ProductSerializer,
    TrashedProductSerializer,
)

# One serializer for the process: a ModelSerializer builds its fields on every instance.
ADMIN_REPRESENTATION = AdminProductSerializer()
# Admins see each product's stock per location: one query for a whole page, with the locations
# (the inventory's model, reached through the relation: the catalog does not import it).
_STOCK = Prefetch(
    "stock_levels",
    queryset=Product.stock_levels.rel.related_model.objects.select_related("location"),
)
PRECONDITION_FAILED = OpenApiResponse(description="If-Match no longer matches (412).")
CONDITIONAL = {"parameters": [IF_MATCH_PARAMETER]}
WRITE_SCHEMA = {"request": ProductInputSerializer, "responses": AdminProductSerializer}
UPDATE_SCHEMA = {
    **CONDITIONAL,
    "request": ProductInputSerializer,
    "responses": {200: AdminProductSerializer, 412: PRECONDITION_FAILED},
}


@extend_schema_view(
    list=extend_schema(summary="List products (anyone)"),
    retrieve=extend_schema(summary="Read a product (anyone)"),
    create=extend_schema(summary="Create a product (admins)", **WRITE_SCHEMA),
    update=extend_schema(summary="Replace a product (admins)", **UPDATE_SCHEMA),
    partial_update=extend_schema(summary="Change a product (admins)", **UPDATE_SCHEMA),
    destroy=extend_schema(
        summary="Delete a product: to the trash, or for good with purge=true (admins)",
        description=(
            "Moves the product to the trash (product/trash/), where it stays restorable for "
            "TRASH_RETENTION_DAYS; for every reader it is gone at once. `purge=true` removes it "
            "for good, whether it is a product or already in the trash, and frees its SKU."
        ),
        parameters=[
            IF_MATCH_PARAMETER,
            OpenApiParameter("purge", bool, description="Remove for good (default false)."),
        ],
        responses={204: None, 412: PRECONDITION_FAILED},
    ),
)
class ProductViewSet(ConditionalWriteMixin, viewsets.ModelViewSet):
    """Products: everyone reads, admins write. Every write notifies the other admins.

    Anonymous reads that succeed are answered, counted and cached by catalog.anonymous, which
    picks their pages with this viewset's filters, search, ordering and paginator; the rest
    (admins, errors) are answered here."""

    permission_classes = [IsAdminOrReadOnly]
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    filter_backends = [FilterBackend, ProductSearchFilter, SearchRankOrderingFilter]
    search_fields = ("name", "sku")  # catalog.search: SQLite's search (PostgreSQL's is its own)
    ordering_fields = ("name", "price", "created_at")
    ordering = ("id",)
    pagination_class = ProductPageNumberPagination

    def get_queryset(self):
        if is_admin(self.request.user):
            return with_view_totals(product_list()).prefetch_related(_STOCK)
        return product_list()

    def locked_row(self, pk):
        # The write's answer shows the brand: it is read with the locked row.
        try:
            pk = int(pk)
        except ValueError:
            raise Http404 from None
        product = product_locked(pk) if 0 < pk <= BIGINT_MAX else None
        if product is None:
            raise Http404
        return product

    def get_serializer_class(self):
        return AdminProductSerializer if is_admin(self.request.user) else ProductSerializer

    @extend_schema(
        summary="Walk every product by cursor, in id order (anyone)",
        responses=ProductFeedSerializer(many=True),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="feed",
        pagination_class=IdCursorPagination,
        filter_backends=[FilterBackend],
    )
    def feed(self, request, *args, **kwargs):
        """The same products as the list, paged by cursor: constant cost at any depth."""
        return self.list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = self._validated(ProductInputSerializer(data=request.data))
        product = services.product_create(actor=request.user, **data)
        return Response(self._read(product), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            product = self.locked_object()
            serializer = ProductInputSerializer(product, data=request.data, partial=partial)
            data = self._validated(serializer)
            product = services.product_update(product=product, actor=request.user, data=data)
        self._written = product
        return Response(self._read(product))

    def destroy(self, request, *args, **kwargs):
        purge = BooleanField().to_internal_value(request.query_params.get("purge", "false"))
        with transaction.atomic():
            trashed = services.trashed_locked(self._pk()) if purge else None
            if trashed is not None:
                services.trashed_purge(trashed=trashed)
            else:
                product = self.locked_object()
                services.product_delete(product=product, actor=request.user, purge=purge)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="List the products in the trash, last deleted first (admins)",
        responses=TrashedProductSerializer(many=True),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="trash",
        permission_classes=[IsAdmin],
        pagination_class=PageNumberPagination,
        filter_backends=[],
    )
    def trash(self, request, *args, **kwargs):
        page = self.paginate_queryset(trashed_list())
        return self.get_paginated_response(TrashedProductSerializer(page, many=True).data)

    @extend_schema(
        summary="Restore a product from the trash, with its id, history and counts (admins)",
        request=None,
        responses={200: AdminProductSerializer},
    )
    @action(detail=True, methods=["post"], url_path="restore", permission_classes=[IsAdmin])
    def restore(self, request, *args, **kwargs):
        with transaction.atomic():
            trashed = services.trashed_locked(self._pk())
            if trashed is None:
                raise NotFound("No product with this id is in the trash.")
            product = services.product_restore(trashed=trashed, actor=request.user)
        return Response(self._read(product_list().get(pk=product.pk)))

    def _pk(self) -> int:
        try:
            pk = int(self.kwargs[self.lookup_field])
        except ValueError:
            raise Http404 from None
        if not 0 < pk <= BIGINT_MAX:
            raise Http404
        return pk

    @staticmethod
    def _read(product):
        """The product as the admin reads it after a write, counters included."""
        product.view_total, product.impression_total = product_view_totals(product.pk)
        return ADMIN_REPRESENTATION.to_representation(product)

    @staticmethod
    def _validated(serializer) -> dict:
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


@extend_schema_view(
    list=extend_schema(summary="List brands (anyone)"),
    retrieve=extend_schema(summary="Read a brand (anyone)"),
    create=extend_schema(summary="Create a brand (admins)"),
    update=extend_schema(summary="Rename a brand (admins)", **CONDITIONAL),
    partial_update=extend_schema(summary="Rename a brand (admins)", **CONDITIONAL),
    destroy=extend_schema(summary="Delete a brand without products (admins)", **CONDITIONAL),
)
class BrandViewSet(ConditionalWriteMixin, viewsets.ModelViewSet):
    """Brands: everyone reads, admins write. A brand with products cannot be deleted (409)."""

    permission_classes = [IsAdminOrReadOnly]
    serializer_class = BrandSerializer
    search_fields = ("name",)
    ordering_fields = ("name", "created_at")
    ordering = ("name",)

    def get_queryset(self):
        return brand_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        brand = services.brand_create(**serializer.validated_data)
        return Response(self.get_serializer(brand).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            serializer = self.get_serializer(
                self.locked_object(), data=request.data, partial=partial
            )
            serializer.is_valid(raise_exception=True)
            brand = services.brand_update(brand=serializer.instance, **serializer.validated_data)
        self._written = brand
        return Response(self.get_serializer(brand).data)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            services.brand_delete(brand=self.locked_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
