from django.db.models import QuerySet

from .models import User


def user_list() -> QuerySet[User]:
    return User.objects.order_by("id")


def active_admins() -> QuerySet[User]:
    return User.objects.filter(is_active=True, is_staff=True)
