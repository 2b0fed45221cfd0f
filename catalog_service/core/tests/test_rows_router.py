"""core.rows runs each statement on the alias the database router chooses, as the ORM does.

The project configures no router, so this test adds one (RowsRouter: reads to one alias, writes
to another) and two aliases that open their own connections to the test database. Each helper's
statements must run on the router's alias and none on `default`, and what they read must say so
(`_state.db`), as a queryset's instances do.
"""

import copy
from contextlib import ExitStack, contextmanager
from decimal import Decimal

import pytest
from django.db import connections
from django.db.utils import load_backend
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from catalog_service.accounts.selectors import user_by
from catalog_service.accounts.tests.factories import UserFactory
from catalog_service.catalog.models import Product
from catalog_service.catalog.selectors import product_locked, products_by_id
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.core import rows
from catalog_service.notifications.models import ProductChangeEvent

READ, WRITE = "rows_router_read", "rows_router_write"
asked: list[tuple[str, type, dict]] = []


class RowsRouter:
    """Reads on READ, writes on WRITE, and a record of what was asked."""

    def db_for_read(self, model, **hints):
        asked.append(("read", model, hints))
        return READ

    def db_for_write(self, model, **hints):
        asked.append(("write", model, hints))
        return WRITE


@pytest.fixture
def routed_aliases(transactional_db):
    """READ and WRITE: their own connections to the test database, made for this test (not in
    settings.DATABASES, so the test case allows them). Committed data (a transactional test) is
    what one connection sees of another's."""
    for alias in (READ, WRITE):
        settings_dict = copy.deepcopy(connections["default"].settings_dict)
        connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
            settings_dict, alias
        )
    asked.clear()
    yield
    for alias in (READ, WRITE):
        connections[alias].close()
        del connections[alias]


@contextmanager
def _statements():
    """The SQL each alias ran in the block, by alias."""
    captures = {
        alias: CaptureQueriesContext(connections[alias]) for alias in ("default", READ, WRITE)
    }
    ran: dict[str, list[str]] = {}
    with ExitStack() as stack:
        for capture in captures.values():
            stack.enter_context(capture)
        yield ran
    for alias, capture in captures.items():
        ran[alias] = [query["sql"].split()[0].upper() for query in capture.captured_queries]


def test_rows_run_on_the_alias_the_router_chooses(routed_aliases):
    product = ProductFactory(name="Before", price=Decimal("5.00"))
    user = UserFactory()

    with override_settings(DATABASE_ROUTERS=[f"{__name__}.RowsRouter"]):
        assert Product.objects.get(pk=product.pk)._state.db == READ  # the ORM follows it too

        with _statements() as ran:
            found = user_by("id", user.pk)
        assert ran == {"default": [], READ: ["SELECT"], WRITE: []}
        assert (found.pk, found._state.db) == (user.pk, READ)

        with _statements() as ran:
            (read,) = products_by_id([product.pk])
        assert ran == {"default": [], READ: ["SELECT"], WRITE: []}
        assert (read.pk, read._state.db, read.brand._state.db) == (product.pk, READ, READ)

        with _statements() as ran:  # a locking read is routed as a write
            locked = product_locked(product.pk)
        assert ran == {"default": [], READ: [], WRITE: ["SELECT"]}
        assert (locked.pk, locked._state.db, locked.brand._state.db) == (product.pk, WRITE, WRITE)

        asked.clear()
        locked.name = "After"
        with _statements() as ran:
            assert rows.update(locked, ["name", "updated_at"]) == 1
        assert ran == {"default": [], READ: [], WRITE: ["UPDATE"]}
        assert asked == [("write", Product, {"instance": locked})]  # the hints save() gives

        asked.clear()
        event = ProductChangeEvent(
            product_id=product.pk,
            product_sku=product.sku,
            product_name="After",
            action=ProductChangeEvent.Action.UPDATED,
            changes={"name": ["Before", "After"]},
            actor=None,
            actor_username="",
            fanned_out_at=None,
        )
        with _statements() as ran:
            rows.insert(event)
        assert ran == {"default": [], READ: [], WRITE: ["INSERT"]}
        assert asked == [("write", ProductChangeEvent, {"instance": event})]
        assert event._state.db == WRITE

    # written on WRITE's connection, committed, seen from default's
    assert Product.objects.get(pk=product.pk).name == "After"
    assert ProductChangeEvent.objects.get(product_id=product.pk).changes == {
        "name": ["Before", "After"]
    }


def test_without_a_router_rows_run_on_default(db):
    product = ProductFactory()
    with _default_only() as ran:
        locked = product_locked(product.pk)
        locked.name = "Renamed"
        rows.update(locked, ["name", "updated_at"])
    assert ran == ["SELECT", "UPDATE"]
    assert locked._state.db == "default"


@contextmanager
def _default_only():
    ran: list[str] = []
    with CaptureQueriesContext(connections["default"]) as capture:
        yield ran
    ran += [query["sql"].split()[0].upper() for query in capture.captured_queries]
