"""Reads and writes of single rows with SQL built once per process from the model's fields.

For the few statements every admin write runs (the admin's user row, the product's row lock, its
UPDATE, the change event's INSERT). The ORM builds a statement's SQL each time it runs it: for a
primary-key lookup that is several times the CPU PostgreSQL spends answering it (the profile is
in bench/README.md). These helpers build the same statements once, from the model's own field
list, so they follow the models and their migrations, and turn rows into instances the way the
ORM does (`Model.from_db`). Everything else goes through the ORM.

No model signals, no `save()`. `update` and `insert` write the values `save()` would write (each
field's `pre_save`, so `auto_now` and `auto_now_add` apply, then its conversion for the
database), but they are not `save()`: they do not call the model's `save()` (an override of it
does not run), and they send none of the model signals (`pre_save`, `post_save`; `m2m_changed`
has nothing to do here either), nor do they validate (`full_clean`). What a receiver or an
override would have done, the caller does itself, in the same transaction: the catalog's services
send `product_changed` after each write, and its receivers record the event and refresh the
cache. A model with `pre_save`/`post_save` receivers or its own `save()` must be written through
the ORM, or its callers must do that work explicitly (test_rows_parity.py fails when a model
written here gains either). Reads are the ORM's: `Model.from_db` builds the instances, sending
`pre_init`/`post_init` as a queryset does.

Databases: each statement runs on the connection of the alias the database router chooses
(DATABASE_ROUTERS; with none, `default`), as the ORM's would. The writes route themselves
(`router.db_for_write(model, instance=...)`, as `save()` does); a read is given the alias by its
caller (`using`): `router.db_for_read(model)`, or `router.db_for_write(model)` for a read that
locks its rows, as `select_for_update()` does. Statements are cached per model, field set and
alias, and quoted by that alias's connection.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import DatabaseDefault


@cache
def columns(model: type[Model], table_alias: str, using: str) -> str:
    """The model's columns, in field order, as `table_alias."column", ...` for a SELECT list
    run on the database `using` (see `instance`)."""
    quote = connections[using].ops.quote_name
    return ", ".join(f"{table_alias}.{quote(field.column)}" for field in _concrete(model))


def _concrete(model: type[Model]) -> list[Field]:
    meta = model._meta
    if meta.concrete_model._meta.parents:  # the ORM writes each table of the chain on its own
        raise TypeError(f"core.rows: {meta.label} inherits from another concrete model.")
    return meta.concrete_fields


@cache
def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@cache
def _converters(model: type[Model], using: str) -> list[tuple[int, list, object]]:
    """(position, converters, column) of the fields whose raw values the backend of `using`
    converts, as the ORM's compiler does: SQLite returns a decimal as a float, a datetime as
    text. None on PostgreSQL for the models read here, so nothing is done there."""
    connection = connections[using]
    found = []
    for position, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if converters:
            found.append((position, converters, column))
    return found


def instance(model: type[Model], row: Sequence, start: int = 0, *, using: str) -> tuple[Model, int]:
    """The instance whose columns (see `columns`) start at `row[start]`, read from the database
    `using`, and where the next model's columns start. Built as a queryset builds it
    (`Model.from_db`: its `_state.db` is `using`, so a later `save()` routes as the ORM's would;
    `pre_init`/`post_init` are sent, as for any instance, and no other signal)."""
    names = _attnames(model)
    end = start + len(names)
    values = row[start:end]
    converting = _converters(model, using)
    if converting:
        connection = connections[using]
        values = list(values)
        for position, converters, column in converting:
            for convert in converters:
                values[position] = convert(values[position], column, connection)
    return model.from_db(using, names, values), end


def fetch_one(sql: str, params: Sequence, *, using: str) -> tuple | None:
    """The first row of `sql` on the database `using` (see the module's docstring)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: Sequence, *, using: str) -> list[tuple]:
    """The rows of `sql` on the database `using` (see the module's docstring)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _prepared(
    model_instance: Model, fields: Iterable[Field], add: bool, connection: BaseDatabaseWrapper
) -> list:
    """The fields' values as `save()` would write them: `pre_save` (auto_now, auto_now_add),
    then the field's conversion for `connection`. An expression (`F()`, a function) is refused:
    the ORM compiles those. Only an insert (`add`) may leave a field to its database default
    (`DatabaseDefault`, kept as it is for `insert` to leave the column out)."""
    values = []
    for field in fields:
        value = field.pre_save(model_instance, add)
        if hasattr(value, "resolve_expression"):
            if not (add and isinstance(value, DatabaseDefault)):
                raise TypeError(
                    f"core.rows: {type(model_instance)._meta.label}.{field.name} is an expression "
                    f"({value!r}); write it with the ORM."
                )
        else:
            value = field.get_db_prep_save(value, connection)
        values.append(value)
    return values


@cache
def _update_statement(
    model: type[Model], field_names: frozenset[str], using: str
) -> tuple[tuple[Field, ...], str]:
    """The fields (in model order, whatever order they were named in: one statement per field
    set) and the UPDATE by primary key that writes them on `using`."""
    if not field_names:
        raise ValueError("core.rows.update: no fields to update.")
    meta = model._meta
    fields = tuple(
        field
        for field in _concrete(model)
        if (field.name in field_names or field.attname in field_names)
        and not (field.primary_key or field.generated)
    )
    writable = {name for field in fields for name in (field.name, field.attname)}
    if unknown := field_names - writable:
        raise ValueError(
            f"core.rows.update: {meta.label} has no such field to write (a primary key, "
            f"generated or not concrete): {', '.join(sorted(unknown))}."
        )
    quote = connections[using].ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from the model
    return fields, sql


def update(model_instance: Model, field_names: Iterable[str]) -> int:
    """`model_instance.save(update_fields=field_names)` for a row known to exist, whatever the
    fields: one UPDATE by primary key, on `router.db_for_write(model, instance=model_instance)`.
    Returns how many rows it updated: 1, or 0 where `save()` raises DatabaseError ("did not
    affect any rows": the row is gone), so the caller decides.

    `field_names` (names or attnames, in any order) is what the caller changed, plus
    `updated_at` for it to advance: as with `save(update_fields=...)`, an `auto_now` field not
    named keeps its stored value. The instance gets what `save()` leaves on it (its `auto_now`
    values; `_state.db` the alias written, `_state.adding` False).

    Not `save()`: no `pre_save`/`post_save` signals, no `save()` override, no validation (see
    the module's docstring); the caller sends whatever signal its receivers need (the catalog's
    services: `product_changed`). A unique or check constraint's violation raises
    IntegrityError; in a transaction that must go on, run it in a savepoint (`atomic()`).
    An expression (`F()`) is refused (TypeError): the ORM writes those.
    """
    model = type(model_instance)
    using = router.db_for_write(model, instance=model_instance)
    connection = connections[using]
    fields, sql = _update_statement(model, frozenset(field_names), using)
    values = _prepared(model_instance, fields, False, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, model_instance.pk])
        changed = cursor.rowcount
    model_instance._state.db = using
    model_instance._state.adding = False
    return changed


@cache
def _insert_fields(model: type[Model]) -> tuple[Field, ...]:
    """What `save()` of a new instance without a primary key inserts: every concrete field but
    the database-assigned primary key and generated fields."""
    meta = model._meta
    if meta.pk is not meta.auto_field:
        raise TypeError(f"core.rows.insert: {meta.label}'s primary key is not the database's.")
    return tuple(field for field in _concrete(model) if not (field.primary_key or field.generated))


@cache
def _insert_sql(model: type[Model], defaulted: frozenset[int], using: str) -> str:
    """The INSERT of `_insert_fields` on `using`, without the fields at positions `defaulted`
    (those left to their database default)."""
    quote = connections[using].ops.quote_name
    fields = [f for position, f in enumerate(_insert_fields(model)) if position not in defaulted]
    names = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608 - names from the model


def insert(model_instance: Model) -> None:
    """`model_instance.save()` of a new row whose primary key the database assigns and the caller
    does not need back: one INSERT, without RETURNING, on `router.db_for_write(model,
    instance=model_instance)`.

    Writes what `save()` writes: each field's `pre_save` (`auto_now_add`, `auto_now`), the
    defaults the instance took when it was made, and the database default (`db_default`) of a
    field left unset. Unlike `save()` it reads nothing back: the instance's primary key stays
    None and a field left to its `db_default` keeps `DatabaseDefault` (`_state.db` is the alias
    written, `_state.adding` False). An instance with a primary key is refused (ValueError).

    Not `save()`: no `pre_save`/`post_save` signals, no `save()` override, no validation (see
    the module's docstring); the caller does what a receiver would. An expression other than a
    database default is refused (TypeError): the ORM writes those.
    """
    model = type(model_instance)
    if model_instance.pk is not None:
        raise ValueError(f"core.rows.insert: this {model._meta.label} has a primary key already.")
    using = router.db_for_write(model, instance=model_instance)
    connection = connections[using]
    values = _prepared(model_instance, _insert_fields(model), True, connection)
    defaulted = frozenset(
        position for position, value in enumerate(values) if isinstance(value, DatabaseDefault)
    )
    if defaulted:
        values = [value for position, value in enumerate(values) if position not in defaulted]
    sql = _insert_sql(model, defaulted, using)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    model_instance._state.db = using
    model_instance._state.adding = False


# {(model, ignore_conflicts): [instances]} inside inserts_deferred(), else None.
_deferred: ContextVar[dict | None] = ContextVar("rows_inserts_deferred", default=None)


@contextmanager
def inserts_deferred() -> Iterator[None]:
    """Inside, insert_soon() keeps its rows, and they are written when the block ends without
    an error: one multi-row INSERT per model (ORM's bulk_create, no signals either) instead of
    one per row, for a bulk change (an import) that writes thousands. Use it inside the
    transaction; on an error the block writes nothing (the transaction rolls back anyway)."""
    if _deferred.get() is not None:  # nested: the outer block writes them
        yield
        return
    pending: dict = {}
    token = _deferred.set(pending)
    try:
        yield
        for (model, ignore_conflicts), instances in pending.items():
            if ignore_conflicts:  # same keys once, sorted: concurrent writers cannot deadlock
                instances = sorted({i.pk: i for i in instances}.values(), key=lambda i: i.pk)
            model.objects.bulk_create(instances, ignore_conflicts=ignore_conflicts, batch_size=1000)
    finally:
        _deferred.reset(token)


def insert_soon(model_instance: Model, *, ignore_conflicts: bool = False) -> None:
    """insert(), or inside inserts_deferred() kept for its one INSERT at the end.
    `ignore_conflicts`: a row whose key exists is skipped (ON CONFLICT DO NOTHING)."""
    pending = _deferred.get()
    if pending is not None:
        pending.setdefault((type(model_instance), ignore_conflicts), []).append(model_instance)
    elif ignore_conflicts:
        type(model_instance).objects.bulk_create([model_instance], ignore_conflicts=True)
    else:
        insert(model_instance)
