from django.urls import path

from .api import ProductViewsSeriesView, ViewsReportView

urlpatterns = [
    path("report/views/", ViewsReportView.as_view(), name="report-views"),
    path("product/<int:product_id>/views/", ProductViewsSeriesView.as_view(), name="product-views"),
]
