from functools import cache

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import QuerySet

from catalog_service.core import rows

from .models import User


def user_list() -> QuerySet[User]:
    return User.objects.order_by("id")


def active_admins() -> QuerySet[User]:
    return User.objects.filter(is_active=True, is_staff=True)


@cache
def _user_by_sql(field_name: str, using: str) -> str:
    column = connections[using].ops.quote_name(User._meta.get_field(field_name).column)
    return (
        f"SELECT {rows.columns(User, 'u', using)} FROM {User._meta.db_table} u "  # noqa: S608 - model names
        f"WHERE u.{column} = %s"
    )


def user_by(field_name: str, value) -> User | None:
    """The user whose `field_name` is `value`. Every authenticated request reads its user, so the
    SQL is built once (core.rows)."""
    try:
        value = User._meta.get_field(field_name).to_python(value)
    except ValidationError:
        return None
    using = router.db_for_read(User)
    row = rows.fetch_one(_user_by_sql(field_name, using), [value], using=using)
    return rows.instance(User, row, using=using)[0] if row else None
