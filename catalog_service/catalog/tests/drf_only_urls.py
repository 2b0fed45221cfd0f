"""The API's product endpoints answered by the DRF viewset alone, at the same paths: the
reference the anonymous read path is compared with (test_anonymous_parity.py)."""

from django.urls import include, path

from config.urls import router

urlpatterns = [path("api/v1/", include(router.urls))]
