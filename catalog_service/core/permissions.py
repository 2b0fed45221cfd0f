from rest_framework.permissions import SAFE_METHODS, BasePermission


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
