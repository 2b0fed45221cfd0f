from django.urls import path

from .api import ProductExportView, ProductImportJobView, ProductImportView

urlpatterns = [
    path("product/export/", ProductExportView.as_view(), name="product-export"),
    path("product/import/", ProductImportView.as_view(), name="product-import"),
    path(
        "product/import/<uuid:job_id>/", ProductImportJobView.as_view(), name="product-import-job"
    ),
]
