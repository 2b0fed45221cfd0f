from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views

from catalog_service.core.permissions import IsAdmin
from catalog_service.core.throttling import AuthEndpointThrottle

from . import services
from .selectors import user_list
from .serializers import (
    TokenPairResponseSerializer,
    TokenRefreshSerializer,
    TokenVerifySerializer,
    UserSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="List accounts"),
    create=extend_schema(summary="Create an admin (hashed password, can log in at once)"),
    retrieve=extend_schema(summary="Read an account"),
    update=extend_schema(summary="Replace an account"),
    partial_update=extend_schema(summary="Change an account, including its password"),
    destroy=extend_schema(summary="Delete an account (never the last active admin)"),
)
class UserViewSet(viewsets.ModelViewSet):
    """Admin management, for admins only."""

    serializer_class = UserSerializer
    permission_classes = [IsAdmin]
    filterset_fields = ("is_staff", "is_active")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering_fields = ("username", "date_joined")

    def get_queryset(self):
        return user_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(**serializer.validated_data)
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=serializer.instance, data=serializer.validated_data)
        return Response(self.get_serializer(user).data)

    def destroy(self, request, *args, **kwargs):
        services.user_delete(user=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthThrottled:
    throttle_classes = [AuthEndpointThrottle]
    throttle_scope = "auth"


@extend_schema(tags=["auth"], responses=TokenPairResponseSerializer)
class TokenObtainView(AuthThrottled, jwt_views.TokenObtainPairView):
    """Log in with username and password: an access and a refresh token."""


@extend_schema(tags=["auth"])
class TokenRefreshView(AuthThrottled, jwt_views.TokenRefreshView):
    """A new token pair for a refresh token; the old refresh token stops working."""

    serializer_class = TokenRefreshSerializer


@extend_schema(tags=["auth"])
class TokenVerifyView(AuthThrottled, jwt_views.TokenVerifyView):
    """Checks that a token is valid."""

    serializer_class = TokenVerifySerializer


@extend_schema(tags=["auth"])
class TokenBlacklistView(AuthThrottled, jwt_views.TokenBlacklistView):
    """Log out: revokes a refresh token."""
