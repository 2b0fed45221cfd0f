from functools import cache

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet

from catalog_service.core import rows

from .models import User


def user_list() -> QuerySet[User]:
    return User.objects.order_by("id")


def active_admins() -> QuerySet[User]:
    return User.objects.filter(is_active=True, is_staff=True)


@cache
def _user_by_sql(field_name: str) -> str:
    column = connection.ops.quote_name(User._meta.get_field(field_name).column)
    return f"SELECT {rows.columns(User, 'u')} FROM {User._meta.db_table} u WHERE u.{column} = %s"  # noqa: S608 - model names


def user_by(field_name: str, value) -> User | None:
    """The user whose `field_name` is `value`. Every authenticated request reads its user, so the
    SQL is built once (core.rows)."""
    try:
        value = User._meta.get_field(field_name).to_python(value)
    except ValidationError:
        return None
    row = rows.fetch_one(_user_by_sql(field_name), [value])
    return rows.instance(User, row)[0] if row else None
