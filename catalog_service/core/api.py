from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfTokenView(APIView):
    """Hands out a CSRF token (and sets the cookie) for browser clients that use sessions."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="csrf_retrieve",
        responses=inline_serializer("CsrfToken", {"csrfToken": serializers.CharField()}),
        tags=["auth"],
    )
    def get(self, request):
        return Response({"csrfToken": get_token(request)})


def _link(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def _link_template(request, name: str, parameter: str) -> str:
    """A link with `{id}` in place of its one parameter (an RFC 6570 URI template)."""
    return _link(request, name, **{parameter: 0}).replace("/0/", "/{id}/", 1)


RESOURCES = {
    "product": "product-list",
    "product_feed": "product-feed",
    "brand": "brand-list",
    "user": "user-list",
    "event": "event-list",
    "notification": "notification-list",
    "report_views": "report-views",
    "token": "token-obtain",
    "token_refresh": "token-refresh",
    "token_verify": "token-verify",
    "token_blacklist": "token-blacklist",
    "csrf": "csrf",
}
PER_PRODUCT = {"product_history": "product-history", "product_views": "product-views"}
DOCS = {"swagger_ui": "swagger-ui", "redoc": "redoc", "schema": "schema"}


def _links_schema(name: str, keys) -> serializers.Serializer:
    return inline_serializer(name, {key: serializers.CharField() for key in keys})


class ApiRootView(APIView):
    """What the API offers: its resources and documentation, as absolute links."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="api_root",
        responses=inline_serializer(
            "ApiRoot",
            {
                "resources": _links_schema("ApiRootResources", [*RESOURCES, *PER_PRODUCT]),
                "docs": _links_schema("ApiRootDocs", DOCS),
            },
        ),
        tags=["api"],
    )
    def get(self, request):
        resources = {key: _link(request, name) for key, name in RESOURCES.items()}
        for key, name in PER_PRODUCT.items():
            resources[key] = _link_template(request, name, "product_id")
        docs = {key: _link(request, name) for key, name in DOCS.items()}
        return Response({"resources": resources, "docs": docs})
