from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from catalog_service.core.conditional import IF_MATCH_PARAMETER, ConditionalWriteMixin
from catalog_service.core.permissions import IsAdminOrReadOnly

from . import services
from .selectors import category_list
from .serializers import CategorySerializer

CONDITIONAL = {"parameters": [IF_MATCH_PARAMETER]}


@extend_schema_view(
    list=extend_schema(summary="List categories in tree order (anyone)"),
    retrieve=extend_schema(summary="Read a category with its path (anyone)"),
    create=extend_schema(summary="Create a category (admins)"),
    update=extend_schema(summary="Rename or move a category (admins)", **CONDITIONAL),
    partial_update=extend_schema(summary="Rename or move a category (admins)", **CONDITIONAL),
    destroy=extend_schema(
        summary="Delete a category without subcategories or products (admins)", **CONDITIONAL
    ),
)
class CategoryViewSet(ConditionalWriteMixin, viewsets.ModelViewSet):
    """The category tree: everyone reads, admins write. A move under the category's own subtree
    or beyond CATEGORY_MAX_DEPTH levels is refused (400); deleting a category that still has
    subcategories or products answers 409 with their numbers."""

    permission_classes = [IsAdminOrReadOnly]
    serializer_class = CategorySerializer
    filter_backends = []  # tree order, whole pages

    def get_queryset(self):
        return category_list()

    def locked_row(self, pk):
        services.lock_tree()  # before the row lock (services.lock_tree says why)
        return super().locked_row(pk)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = services.category_create(**serializer.validated_data)
        return Response(self.get_serializer(category).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            category = self.locked_object()
            serializer = self.get_serializer(category, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            category = services.category_update(category=category, data=serializer.validated_data)
        self._written = category
        return Response(self.get_serializer(category).data)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            services.category_delete(category=self.locked_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
