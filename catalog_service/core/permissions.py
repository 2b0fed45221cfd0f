from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework_simplejwt.settings import api_settings as jwt_settings

_TOKEN_TYPES = frozenset(jwt_settings.AUTH_HEADER_TYPES)


def is_anonymous(request) -> bool:
    """The one test of "anonymous": what is counted, throttled per address and served from the
    product cache. The request carries no credentials the API accepts: no bearer token (valid or
    not: DRF answers as its user, or 401) and no logged-in session. Other Authorization schemes
    are ignored by DRF, so here too. Takes Django's request or DRF's."""
    authorization = request.META.get("HTTP_AUTHORIZATION", "").split(None, 1)
    if authorization and authorization[0] in _TOKEN_TYPES:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return not request.user.is_authenticated  # reads the session only when there is one
    return True


def is_admin(user) -> bool:
    """An admin is an active staff user."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class IsAdmin(BasePermission):
    """Admins only."""

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class IsAdminOrReadOnly(BasePermission):
    """Everyone reads; only admins write."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or is_admin(request.user)
