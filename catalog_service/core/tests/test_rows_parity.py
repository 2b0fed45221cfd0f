"""core.rows against the ORM calls it replaces: the same rows, the same instances, the same values.

Each operation runs twice from the same state, once through core.rows and once through the ORM,
each in a savepoint rolled back afterwards, with the clock (`timezone.now`) frozen. Then every
column of the stored row (as the driver returns it, type and exponent included), what is left on
the instance and what was returned are compared, and what both stored is checked against what
was meant. The suite runs this on PostgreSQL; the last test runs it again on SQLite.
"""

import copy
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Model
from django.db.models.expressions import DatabaseDefault
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog_service.accounts.models import User
from catalog_service.accounts.selectors import user_by
from catalog_service.accounts.tests.factories import UserFactory
from catalog_service.catalog import services as catalog_services
from catalog_service.catalog.models import Product
from catalog_service.catalog.selectors import product_list, product_locked, products_by_id
from catalog_service.catalog.services import SkuTakenError, product_update
from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory
from catalog_service.core import rows
from catalog_service.notifications.models import ProductChangeEvent
from testing.sqlite import pytest_on_sqlite

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().relative_to(ROOT).as_posix()

CREATED = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
UPDATED = datetime(2030, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
FROZEN = datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)  # "now" while a write runs


# --- what a write leaves ------------------------------------------------------------------------


def _exact(value) -> tuple[str, str]:
    """A value with its type and exact form: Decimal("12.5") is not Decimal("12.50") here."""
    return type(value).__name__, repr(value)


def _stored(model: type[Model], column: str, value) -> dict:
    """The one row of `model` whose `column` is `value`, every column as the driver returns it."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {quote(model._meta.db_table)} WHERE {quote(column)} = %s", [value]
        )
        found = cursor.fetchall()
        names = [description[0] for description in cursor.description]
    assert len(found) == 1, found
    return {name: _exact(raw) for name, raw in zip(names, found[0], strict=True)}


def _left_on(instance: Model) -> dict:
    """What an instance holds: its attributes (values exact), its state, its cached relations."""
    held = {name: _exact(value) for name, value in vars(instance).items() if name != "_state"}
    held["_state.db"] = instance._state.db
    held["_state.adding"] = instance._state.adding
    held["_state.fields_cache"] = {
        name: _left_on(related) if related is not None else None
        for name, related in instance._state.fields_cache.items()
    }
    return held


def _rolled_back(operation):
    """What `operation()` returns, run in a savepoint that is rolled back afterwards."""
    with transaction.atomic():
        outcome = operation()
        transaction.set_rollback(True)
    return outcome


@pytest.fixture
def frozen_clock(monkeypatch):
    """`timezone.now()`, which auto_now and auto_now_add read, answers FROZEN."""
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)
    return FROZEN


@pytest.fixture
def stored_product(db):
    """A product stored with known timestamps (microseconds included), before FROZEN."""
    product = ProductFactory(sku="ROWS-1", name="CD Player", price=Decimal("1234567.89"))
    Product.objects.filter(pk=product.pk).update(created_at=CREATED, updated_at=UPDATED)
    return Product.objects.get(pk=product.pk)


@pytest.fixture
def other_brand(db):
    return BrandFactory(name="Marantz")


# --- update: save(update_fields=...) ------------------------------------------------------------

# (values to set on the product, the field names written, what is stored after, by field)
UPDATES = {
    "price": (
        lambda brand: {"price": Decimal("12.34")},
        ["price", "updated_at"],
        {"price": Decimal("12.34")},
    ),
    "price at its maximum": (
        lambda brand: {"price": Decimal("9999999.99")},
        ["price", "updated_at"],
        {"price": Decimal("9999999.99")},
    ),
    "price zero": (
        lambda brand: {"price": Decimal("0")},
        ["price", "updated_at"],
        {"price": Decimal("0.00")},
    ),
    "price with fewer places": (
        lambda brand: {"price": Decimal("7.5")},
        ["price", "updated_at"],
        {"price": Decimal("7.50")},
    ),
    # Beyond the column's scale or given as a float: whatever the database makes of it, the
    # ORM's write and this one make the same.
    "price with more places": (lambda brand: {"price": Decimal("12.345")}, ["price"], {}),
    "price as a float": (lambda brand: {"price": 19.99}, ["price", "updated_at"], {}),
    "name": (
        lambda brand: {"name": "Plattenspieler — Ünïcode"},
        ["name", "updated_at"],
        {"name": "Plattenspieler — Ünïcode"},
    ),
    "sku": (lambda brand: {"sku": "ROWS-2"}, ["sku", "updated_at"], {"sku": "ROWS-2"}),
    "brand": (lambda brand: {"brand": brand}, ["brand", "updated_at"], {"brand": "other"}),
    "brand by attname": (
        lambda brand: {"brand_id": brand.pk},
        ["brand_id", "updated_at"],
        {"brand": "other"},
    ),
    "every writable field, named in another order": (
        lambda brand: {"sku": "ROWS-3", "name": "Tuner", "price": Decimal("0.10"), "brand": brand},
        ["updated_at", "brand", "price", "name", "sku"],
        {"sku": "ROWS-3", "name": "Tuner", "price": Decimal("0.10"), "brand": "other"},
    ),
    "updated_at not named: it keeps its value": (
        lambda brand: {"name": "Amplifier"},
        ["name"],
        {"name": "Amplifier", "updated_at": UPDATED},
    ),
    "only updated_at": (lambda brand: {}, ["updated_at"], {}),
    "updated_at set by hand: auto_now wins": (
        lambda brand: {"updated_at": datetime(2000, 1, 1, tzinfo=UTC)},
        ["updated_at"],
        {},
    ),
    "created_at named: auto_now_add keeps it": (
        lambda brand: {"name": "Deck", "created_at": datetime(2000, 1, 1, tzinfo=UTC)},
        ["name", "created_at", "updated_at"],
        {"name": "Deck", "created_at": datetime(2000, 1, 1, tzinfo=UTC)},
    ),
}


@pytest.mark.parametrize(("values", "field_names", "expected"), UPDATES.values(), ids=UPDATES)
def test_update_writes_what_save_with_update_fields_writes(
    stored_product, other_brand, frozen_clock, values, field_names, expected
):
    def write(way: str):
        def operation():
            product = product_locked(stored_product.pk)  # as the services get it
            for name, value in values(other_brand).items():
                setattr(product, name, value)
            if way == "rows":
                returned = rows.update(product, field_names)
            else:
                returned = product.save(update_fields=field_names)
            stored = Product.objects.values().get(pk=product.pk)
            return returned, _stored(Product, "id", product.pk), _left_on(product), stored

        return _rolled_back(operation)

    returned, row, left, stored = write("rows")
    orm_returned, orm_row, orm_left, orm_stored = write("orm")

    assert row == orm_row
    assert left == orm_left
    assert (returned, orm_returned) == (1, None)  # rows changed; save() returns nothing
    expected = {
        "updated_at": FROZEN if "updated_at" in field_names else UPDATED,
        "created_at": CREATED,
        **expected,
    }
    if "brand" in expected:
        expected["brand_id"] = other_brand.pk
        del expected["brand"]
    assert stored == orm_stored == {**orm_stored, **expected}
    assert _exact(stored["price"]) == _exact(orm_stored["price"])
    if "price" in expected:
        assert _exact(stored["price"]) == _exact(expected["price"])


def test_update_of_an_instance_not_read_from_the_database(stored_product, brand, frozen_clock):
    """An instance made in code for an existing row: save() leaves it as read (`_state`)."""

    def write(way: str):
        def operation():
            product = Product(pk=stored_product.pk, sku="ROWS-9", name="Made", brand=brand)
            product.price = Decimal("3.30")
            fields = ["sku", "name", "price", "updated_at"]
            if way == "rows":
                returned = rows.update(product, fields)
            else:
                returned = product.save(update_fields=fields)
            stored = Product.objects.values().get(pk=product.pk)
            return returned, _stored(Product, "id", product.pk), _left_on(product), stored

        return _rolled_back(operation)

    returned, row, left, stored = write("rows")
    orm_returned, orm_row, orm_left, orm_stored = write("orm")

    assert (row, left, stored) == (orm_row, orm_left, orm_stored)
    assert (returned, orm_returned) == (1, None)
    assert (left["_state.db"], left["_state.adding"]) == ("default", False)
    assert (stored["sku"], stored["updated_at"], stored["created_at"]) == (
        "ROWS-9",
        FROZEN,
        CREATED,
    )


def test_update_of_a_missing_row_changes_none_where_save_raises(stored_product):
    product = product_locked(stored_product.pk)
    Product.objects.filter(pk=product.pk).delete()
    product.name = "Gone"

    assert rows.update(product, ["name", "updated_at"]) == 0
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        product.save(update_fields=["name", "updated_at"])


@pytest.mark.parametrize(
    ("field_names", "error"),
    [
        (["colour"], "colour"),
        (["id", "name"], "id"),
        (["brand_id", "products"], "products"),
    ],
)
def test_update_refuses_what_save_refuses(stored_product, field_names, error):
    with pytest.raises(ValueError, match=rf":.*\b{error}\b"):
        rows.update(stored_product, field_names)
    with pytest.raises(ValueError, match=rf":.*\b{error}\b"):
        stored_product.save(update_fields=field_names)


def test_update_refuses_no_fields_and_expressions(stored_product):
    with pytest.raises(ValueError, match="no fields"):
        rows.update(stored_product, [])
    stored_product.price = F("price") + 1
    with pytest.raises(TypeError, match="expression"):
        rows.update(stored_product, ["price"])
    assert Product.objects.get(pk=stored_product.pk).price == Decimal("1234567.89")


def test_update_runs_one_statement_per_field_set_whatever_the_order(stored_product, frozen_clock):
    statements = []
    for field_names in (["price", "name", "updated_at"], ["updated_at", "name", "price"]):
        with CaptureQueriesContext(connection) as ran:
            rows.update(stored_product, field_names)
        statements += [query["sql"] for query in ran.captured_queries]

    assert len(statements) == 2
    assert statements[0] == statements[1]
    assert statements[0].startswith("UPDATE ")


# --- insert: save() of a new row ----------------------------------------------------------------

EVENT_PRODUCT_ID = 424242
UNSET = object()


def _event(actor, **values) -> ProductChangeEvent:
    values = {
        "product_id": EVENT_PRODUCT_ID,
        "product_sku": "ROWS-1",
        "product_name": "CD Player — Ünïcode",
        "action": ProductChangeEvent.Action.UPDATED,
        "changes": {"price": ["12.50", "13.00"], "brand": ["Denon", None], "nested": {"a": [1]}},
        "actor": actor,
        "actor_username": actor.username if actor else "",
        "created_at": CREATED,
        "fanned_out_at": None,
        **values,
    }
    return ProductChangeEvent(
        **{name: value for name, value in values.items() if value is not UNSET}
    )


EVENTS = {
    "as the services write it": {},
    "no actor": {"actor": None},
    "created_at from its default": {"created_at": UNSET},
    "fanned_out_at from its database default": {"fanned_out_at": UNSET},
}


@pytest.mark.parametrize("values", EVENTS.values(), ids=EVENTS)
def test_insert_of_an_event_writes_what_save_writes(admin_user, frozen_clock, values):
    made = _event(**{"actor": admin_user, **values})  # its defaults taken once, for both writes
    defaulted = {name for name, value in vars(made).items() if isinstance(value, DatabaseDefault)}

    def write(way: str):
        def operation():
            event = copy.copy(made)
            returned = rows.insert(event) if way == "rows" else event.save()
            return returned, _stored(ProductChangeEvent, "product_id", EVENT_PRODUCT_ID), event

        return _rolled_back(operation)

    returned, row, event = write("rows")
    orm_returned, orm_row, orm_event = write("orm")

    assert (returned, orm_returned) == (None, None)
    # The database assigns the id (from a sequence: another for each write on PostgreSQL), and
    # rows reads nothing back (no RETURNING): its instance keeps no id and its database defaults
    # unresolved.
    del row["id"], orm_row["id"]
    assert event.pk is None
    assert orm_event.pk is not None
    left, orm_left = _left_on(event), _left_on(orm_event)
    for name in {"id", *defaulted}:
        left.pop(name)
        orm_left.pop(name)
    assert left == orm_left
    assert all(isinstance(getattr(event, name), DatabaseDefault) for name in defaulted)

    for name in defaulted:  # the database's clock (Now() is the statement's time): both set
        assert row.pop(name)[0] == orm_row.pop(name)[0] != "NoneType"
    assert row == orm_row


def test_inserted_event_holds_what_was_meant(admin_user, frozen_clock):
    rows.insert(_event(admin_user, fanned_out_at=UNSET))
    rows.insert(_event(None, product_id=EVENT_PRODUCT_ID + 1, created_at=UNSET))

    first, second = ProductChangeEvent.objects.order_by("product_id").values()
    assert first["created_at"] == CREATED
    assert first["fanned_out_at"] is not None  # the database default (Now())
    assert first["actor_id"] == admin_user.pk
    assert first["changes"] == {
        "price": ["12.50", "13.00"],
        "brand": ["Denon", None],
        "nested": {"a": [1]},
    }
    assert second["created_at"] != CREATED  # its default, taken when it was made
    assert (second["actor_id"], second["fanned_out_at"]) == (None, None)


PRODUCTS = {
    "auto_now_add and auto_now": {},
    "timestamps set by hand: auto_now_add and auto_now win": {
        "created_at": datetime(2000, 1, 1, tzinfo=UTC),
        "updated_at": datetime(2000, 1, 1, tzinfo=UTC),
    },
    "price with fewer places": {"price": Decimal("0.1")},
}


@pytest.mark.parametrize("values", PRODUCTS.values(), ids=PRODUCTS)
def test_insert_of_a_product_writes_what_save_writes(brand, frozen_clock, values):
    values = {"sku": "ROWS-NEW", "name": "New", "price": Decimal("10.00"), "brand": brand, **values}
    made = Product(**values)

    def write(way: str):
        def operation():
            product = copy.copy(made)
            if way == "rows":
                rows.insert(product)
            else:
                product.save()
            stored = Product.objects.values().get(sku="ROWS-NEW")
            return _stored(Product, "sku", "ROWS-NEW"), _left_on(product), stored

        return _rolled_back(operation)

    row, left, stored = write("rows")
    orm_row, orm_left, orm_stored = write("orm")

    assert left.pop("id") == ("NoneType", "None")  # rows reads no id back
    assert orm_left.pop("id")[0] == "int"
    for held in (row, orm_row, stored, orm_stored):
        del held["id"]  # the database's sequence: another for each write
    assert row == orm_row
    assert left == orm_left
    assert stored == orm_stored
    assert (stored["created_at"], stored["updated_at"]) == (FROZEN, FROZEN)
    assert stored["price"] == values["price"]


def test_insert_refuses_an_instance_with_a_primary_key(stored_product):
    with pytest.raises(ValueError, match="primary key"):
        rows.insert(stored_product)


def test_insert_refuses_expressions(brand):
    product = Product(sku="ROWS-F", name="F", price=F("price"), brand=brand)
    with pytest.raises(TypeError, match="expression"):
        rows.insert(product)
    assert not Product.objects.filter(sku="ROWS-F").exists()


# --- reads: columns, fetch_one, fetch_all, instance ---------------------------------------------


def test_product_locked_reads_what_select_for_update_reads(stored_product):
    read = product_locked(stored_product.pk)
    orm = (
        Product.objects.select_related("brand")
        .select_for_update(of=("self",))
        .get(pk=stored_product.pk)
    )

    assert _left_on(read) == _left_on(orm)
    assert read.price == Decimal("1234567.89")
    assert (read.created_at, read.updated_at) == (CREATED, UPDATED)
    assert product_locked(stored_product.pk + 1000) is None


def test_products_by_id_reads_what_the_queryset_reads(stored_product, other_brand):
    second = ProductFactory(price=Decimal("0.10"), brand=other_brand)
    wanted = [second.pk, stored_product.pk, second.pk + 1000]

    read = sorted(products_by_id(wanted), key=lambda product: product.pk)
    orm = list(product_list().filter(pk__in=wanted).order_by("pk"))

    assert [_left_on(product) for product in read] == [_left_on(product) for product in orm]
    assert [product.pk for product in read] == [stored_product.pk, second.pk]


def test_user_by_reads_what_the_queryset_reads(db):
    user = UserFactory(first_name="Zoë", is_staff=True)
    User.objects.filter(pk=user.pk).update(last_login=UPDATED, date_joined=CREATED)

    for field_name, value in (("id", user.pk), ("username", user.username), ("id", str(user.pk))):
        read = user_by(field_name, value)
        orm = User.objects.get(**{field_name: value})
        assert _left_on(read) == _left_on(orm)
    assert (read.last_login, read.date_joined, read.is_staff) == (UPDATED, CREATED, True)
    assert user_by("username", "nobody") is None
    assert user_by("id", "not a number") is None


def test_columns_are_the_models_in_field_order(db):
    listed = rows.columns(Product, "p", "default")
    quote = connection.ops.quote_name
    assert listed == ", ".join(f"p.{quote(f.column)}" for f in Product._meta.concrete_fields)


# --- what rows does not do ----------------------------------------------------------------------


@pytest.mark.parametrize("model", [Product, ProductChangeEvent])
def test_models_written_through_rows_need_no_save_or_signals(model):
    """core.rows writes these without save() and without pre_save/post_save (its docstring): a
    receiver or a save() override added to one of them would silently not run. Write that
    model through the ORM instead, or do the receiver's work where rows is called."""
    assert model.save is Model.save
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)


def test_update_and_insert_send_no_model_signals(stored_product, admin_user):
    sent = []

    def receiver(sender, **kwargs):
        sent.append(sender)

    for signal in (pre_save, post_save):
        signal.connect(receiver, weak=False)
    try:
        stored_product.name = "Quiet"
        rows.update(stored_product, ["name", "updated_at"])
        rows.insert(_event(admin_user))
        assert sent == []
        stored_product.save(update_fields=["name"])  # the ORM, for contrast
        assert sent == [Product, Product]
    finally:
        for signal in (pre_save, post_save):
            signal.disconnect(receiver)


# --- product_update: one write path, whatever changes ---------------------------------------------


def test_product_update_writes_through_rows_whatever_changes(
    stored_product, other_brand, admin_user, monkeypatch
):
    written = []
    update = rows.update

    def recorded(instance, field_names):
        written.append(list(field_names))
        return update(instance, field_names)

    def refused(*args, **kwargs):
        raise AssertionError("product_update called save()")

    monkeypatch.setattr(rows, "update", recorded)
    monkeypatch.setattr(Product, "save", refused)
    for data in (
        {"sku": "ROWS-7"},
        {"name": "Tuner"},
        {"price": Decimal("2.00"), "sku": "rows-8", "brand": other_brand},
    ):
        product_update(product=product_locked(stored_product.pk), actor=admin_user, data=data)

    assert written == [
        ["sku", "updated_at"],
        ["name", "updated_at"],
        ["price", "sku", "brand", "updated_at"],
    ]
    stored = Product.objects.values("sku", "name", "price", "brand_id").get(pk=stored_product.pk)
    assert stored == {
        "sku": "rows-8",
        "name": "Tuner",
        "price": Decimal("2.00"),
        "brand_id": other_brand.pk,
    }


def test_product_update_to_a_sku_taken_since_the_check_is_a_conflict(
    stored_product, admin_user, monkeypatch
):
    """The unique index settles a race the service's own check lost: a 409, nothing written."""
    ProductFactory(sku="TAKEN-1")
    monkeypatch.setattr(catalog_services, "_ensure_sku_free", lambda *args, **kwargs: None)

    with pytest.raises(SkuTakenError, match="taken-1"), transaction.atomic():
        product_update(
            product=product_locked(stored_product.pk),
            actor=admin_user,
            data={"sku": "taken-1", "name": "Raced"},
        )
    stored = Product.objects.values("sku", "name", "updated_at").get(pk=stored_product.pk)
    assert stored == {"sku": "ROWS-1", "name": "CD Player", "updated_at": UPDATED}
    assert not ProductChangeEvent.objects.exists()


@pytest.mark.parametrize("data", [{"sku": "ROWS-5"}, {"name": "Gone"}], ids=["sku", "name"])
def test_product_update_of_a_row_gone_is_an_error(stored_product, admin_user, data):
    product = product_locked(stored_product.pk)
    Product.objects.filter(pk=product.pk).delete()

    with pytest.raises(DatabaseError, match="row is gone"), transaction.atomic():
        product_update(product=product, actor=admin_user, data=data)
    assert not ProductChangeEvent.objects.exists()


# --- SQLite -------------------------------------------------------------------------------------


@pytest.mark.timeout(600)
def test_rows_tests_pass_on_sqlite():
    """This module and the router's test again, on SQLite (the database `make run` embeds): its
    driver returns decimals, datetimes and booleans that the backend's converters turn into
    what the ORM reads."""
    pytest_on_sqlite(
        HERE,
        HERE.replace("test_rows_parity.py", "test_rows_router.py"),
        "--deselect",
        f"{HERE}::test_rows_tests_pass_on_sqlite",
        timeout=580,
    )
