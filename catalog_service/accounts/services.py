"""Admin management. Every write keeps at least one active admin in the system."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework.exceptions import ValidationError

from catalog_service.core.exceptions import ConflictError, save_or_conflict
from catalog_service.core.text import identifier_normalized

from .models import User
from .selectors import active_admins

PROFILE_FIELDS = ("username", "email", "first_name", "last_name")
# is_superuser is read-only in the API; the Django admin's form and create_admin set it.
PRIVILEGE_FIELDS = ("is_staff", "is_active", "is_superuser")


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


def _normalized(data: dict) -> dict:
    """A username is an identifier: look-alikes (full-width letters, compatibility forms) are the
    same username (core.text)."""
    if data.get("username"):
        return {**data, "username": identifier_normalized(data["username"])}
    return data


def _ensure_username_free(username: str, exclude_pk: int | None = None) -> None:
    if User.objects.filter(username__iexact=username).exclude(pk=exclude_pk).exists():
        raise UsernameTakenError(username)


@transaction.atomic
def user_create(*, password: str, is_staff: bool = True, is_active: bool = True, **profile) -> User:
    """Creates an account (an admin unless is_staff=False) that can log in at once."""
    profile = _normalized(profile)
    user = User(is_staff=is_staff, is_active=is_active, **profile)
    _ensure_username_free(user.username)
    user.set_password(_validated_password(password, user))
    save_or_conflict(user, UsernameTakenError(user.username))
    return user


def _remains_admin(user: User, data: dict) -> bool:
    return data.get("is_active", user.is_active) and data.get("is_staff", user.is_staff)


def _ensure_an_admin_remains(leaving: set[int]) -> None:
    # Lock every active admin row so two concurrent demotions cannot both pass the check.
    admins = active_admins().select_for_update().exclude(pk__in=leaving).values_list("pk")
    if not list(admins):
        raise LastAdminError()


def user_update_check(*, user: User, data: dict) -> None:
    """Raises the conflict `user_update` would raise (last admin, username taken), without
    locking: forms call it to show the error beside the fields. `user_update` checks again."""
    data = _normalized(data)
    if (
        user.is_admin
        and not _remains_admin(user, data)
        and not active_admins().exclude(pk=user.pk).exists()
    ):
        raise LastAdminError()
    if "username" in data:
        _ensure_username_free(data["username"], exclude_pk=user.pk)


@transaction.atomic
def user_update(*, user: User, data: dict) -> User:
    """Updates profile, password and privilege fields. `data` holds only the fields to change."""
    data = _normalized(data)
    if user.is_admin and not _remains_admin(user, data):
        _ensure_an_admin_remains({user.pk})
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
    users_delete(users=[user])


@transaction.atomic
def users_delete(*, users) -> None:
    """Deletes all of `users` or none: refused if no active admin would remain."""
    users = list(users)
    if any(user.is_admin for user in users):
        _ensure_an_admin_remains({user.pk for user in users})
    for user in users:
        user.delete()
