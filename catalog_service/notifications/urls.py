from django.urls import path

from .api import ProductHistoryView

urlpatterns = [
    path("product/<int:product_id>/history/", ProductHistoryView.as_view(), name="product-history"),
]
