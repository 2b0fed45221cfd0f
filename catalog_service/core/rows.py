"""Reads and writes of single rows with SQL built once per process from the model's fields.

For the few statements every admin write runs (the admin's user row, the product's row lock, its
UPDATE, the change event's INSERT). The ORM builds a statement's SQL each time it runs it: for a
primary-key lookup that is several times the CPU PostgreSQL spends answering it (the profile is
in bench/README.md). These helpers build the same statements once, from the model's own field
list, so they follow the models and their migrations, and turn rows into instances the way the
ORM does (`Model.from_db`). Everything else goes through the ORM.
"""

from collections.abc import Iterable, Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def columns(model: type[Model], alias: str) -> str:
    """The model's columns, in field order, as `alias."column", ...` for a SELECT list."""
    return ", ".join(f"{alias}.{_quoted(field.column)}" for field in model._meta.concrete_fields)


@cache
def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@cache
def _converters(model: type[Model]) -> list[tuple[int, list, object]]:
    """(position, converters, column) of the fields whose raw values the backend converts, as
    the ORM's compiler does: SQLite returns a decimal as a float, a datetime as text. None on
    PostgreSQL for the models read here, so nothing is done there."""
    found = []
    for position, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if converters:
            found.append((position, converters, column))
    return found


def instance(model: type[Model], row: Sequence, start: int = 0) -> tuple[Model, int]:
    """The instance whose columns (see `columns`) start at `row[start]`, and where the next
    model's columns start."""
    names = _attnames(model)
    end = start + len(names)
    values = row[start:end]
    converting = _converters(model)
    if converting:
        values = list(values)
        for position, converters, column in converting:
            for convert in converters:
                values[position] = convert(values[position], column, connection)
    return model.from_db(DEFAULT_DB_ALIAS, names, values), end


def fetch_one(sql: str, params: Sequence) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _prepared(model_instance: Model, field_names: Iterable[str], add: bool) -> list:
    """The fields' values as the ORM would write them (auto_now and defaults applied)."""
    meta = model_instance._meta
    return [
        field.get_db_prep_save(field.pre_save(model_instance, add), connection)
        for field in (meta.get_field(name) for name in field_names)
    ]


@cache
def _update_sql(model: type[Model], field_names: tuple[str, ...]) -> str:
    meta = model._meta
    assignments = ", ".join(f"{_quoted(meta.get_field(name).column)} = %s" for name in field_names)
    return f"UPDATE {_quoted(meta.db_table)} SET {assignments} WHERE {_quoted(meta.pk.column)} = %s"  # noqa: S608 - names from the model


def update(model_instance: Model, field_names: Sequence[str]) -> int:
    """`save(update_fields=field_names)` for a row known to exist, without the model signals:
    one UPDATE by primary key. Returns how many rows it changed."""
    sql = _update_sql(type(model_instance), tuple(field_names))
    values = _prepared(model_instance, field_names, add=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, model_instance.pk])
        return cursor.rowcount


@cache
def _insert_fields(model: type[Model]) -> tuple[tuple[str, ...], str]:
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    names = ", ".join(_quoted(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {_quoted(meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608 - names from the model
    return tuple(field.name for field in fields), sql


def insert(model_instance: Model) -> None:
    """`save()` of a new row whose primary key the database assigns and the caller does not
    need back: one INSERT, without RETURNING and without the model signals."""
    field_names, sql = _insert_fields(type(model_instance))
    with connection.cursor() as cursor:
        cursor.execute(sql, _prepared(model_instance, field_names, add=True))
