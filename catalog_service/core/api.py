from django.middleware.csrf import get_token
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
