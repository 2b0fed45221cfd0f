"""Admin management. Every write keeps at least one active admin in the system."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework.exceptions import ValidationError

from catalog_service.core.exceptions import ConflictError, save_or_conflict

from .models import User
from .selectors import active_admins

PROFILE_FIELDS = ("username", "email", "first_name", "last_name")
PRIVILEGE_FIELDS = ("is_staff", "is_active")


class LastAdminError(ConflictError):
    default_detail = "This is the last active admin; create another admin first."
    default_code = "last_admin"


class UsernameTakenError(ConflictError):
    default_code = "username_taken"

    def __init__(self, username: str):
        super().__init__(f"The username {username!r} is already taken.", field="username")


def _validated_password(password: str, user: User) -> str:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from exc
    return password


def _ensure_username_free(username: str, exclude_pk: int | None = None) -> None:
    if User.objects.filter(username__iexact=username).exclude(pk=exclude_pk).exists():
        raise UsernameTakenError(username)


@transaction.atomic
def user_create(*, password: str, is_staff: bool = True, is_active: bool = True, **profile) -> User:
    """Creates an account (an admin unless is_staff=False) that can log in at once."""
    user = User(is_staff=is_staff, is_active=is_active, **profile)
    _ensure_username_free(user.username)
    user.set_password(_validated_password(password, user))
    save_or_conflict(user, UsernameTakenError(user.username))
    return user


def _remains_admin(user: User, data: dict) -> bool:
    return data.get("is_active", user.is_active) and data.get("is_staff", user.is_staff)


def _ensure_another_admin(user: User) -> None:
    # Lock every active admin row so two concurrent demotions cannot both pass the check.
    others = list(active_admins().select_for_update().exclude(pk=user.pk).values_list("pk"))
    if not others:
        raise LastAdminError()


@transaction.atomic
def user_update(*, user: User, data: dict) -> User:
    """Updates profile, password and privilege fields. `data` holds only the fields to change."""
    if user.is_admin and not _remains_admin(user, data):
        _ensure_another_admin(user)
    if "username" in data:
        _ensure_username_free(data["username"], exclude_pk=user.pk)
    for field in (*PROFILE_FIELDS, *PRIVILEGE_FIELDS):
        if field in data:
            setattr(user, field, data[field])
    if data.get("password"):
        user.set_password(_validated_password(data["password"], user))
    save_or_conflict(user, UsernameTakenError(user.username))
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    if user.is_admin:
        _ensure_another_admin(user)
    user.delete()
