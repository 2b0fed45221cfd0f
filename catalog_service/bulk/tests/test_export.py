"""The export: the catalog or a list filter's part of it, streamed as CSV or JSON Lines, read
back by the import as it is."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog_service.bulk import exports, imports
from catalog_service.bulk.columns import COLUMNS
from catalog_service.catalog.models import Brand, Product
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.categories.models import Category

URL = "/api/v1/product/export/"


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def rows_of(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def catalog(db):
    """Two brands, a category tree, and names a spreadsheet would run as formulas."""
    denon, lumo = Brand.objects.create(name="Denon"), Brand.objects.create(name="=Lumo")
    home = Category.objects.create(name="Home", slug="home")
    lamps = Category.objects.create(name="Desk lamps", slug="desk-lamps", parent=home)
    return [
        ProductFactory(sku="A-1", name="Amp", price=Decimal("10.50"), brand=denon),
        ProductFactory(sku="-L-2", name='=HYPERLINK("x")', brand=lumo, category=lamps),
        ProductFactory(sku="L-3", name="'=quoted", brand=lumo, category=home),
        ProductFactory(sku="A-4", name='+1 amp, "quoted"', brand=denon),
    ]


def test_csv_has_the_columns_in_order_and_formulas_escaped(admin, catalog):
    response = admin.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    content = body_of(response)
    assert content.startswith(b"\xef\xbb\xbf" + ",".join(COLUMNS).encode() + b"\n")
    rows = rows_of(content)
    assert [row["sku"] for row in rows] == ["A-1", "'-L-2", "L-3", "A-4"]
    assert rows[0] == {
        "sku": "A-1",
        "name": "Amp",
        "price": "10.50",
        "brand": "Denon",
        "category": "",
        "availability": "out_of_stock",
        "stock_on_hand": "0",
        "stock_available": "0",
    }
    assert (rows[1]["name"], rows[1]["brand"], rows[1]["category"]) == (
        '\'=HYPERLINK("x")',
        "'=Lumo",
        "Home > Desk lamps",
    )
    assert rows[2]["name"] == "''=quoted"  # already looked escaped: one more quote
    assert rows[3]["name"] == '\'+1 amp, "quoted"'


def test_json_lines_with_format_or_accept(admin, catalog):
    for response in (
        admin.get(URL, {"format": "jsonl"}),
        admin.get(URL, HTTP_ACCEPT="application/x-ndjson"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in body_of(response).splitlines()]
        assert [line["sku"] for line in lines] == ["A-1", "-L-2", "L-3", "A-4"]
        assert list(lines[1]) == list(COLUMNS)
        assert (lines[0]["category"], lines[1]["category"]) == (None, "Home > Desk lamps")


def test_any_list_filter_narrows_the_export(admin, catalog):
    lumo = Brand.objects.get(name="=Lumo")
    assert [r["sku"] for r in rows_of(body_of(admin.get(URL, {"brand": lumo.pk})))] == [
        "'-L-2",
        "L-3",
    ]
    home = Category.objects.get(slug="home")
    query = {"category": home.pk, "include_descendants": "false"}
    assert [r["sku"] for r in rows_of(body_of(admin.get(URL, query)))] == ["L-3"]
    found = rows_of(body_of(admin.get(URL, {"search": "amp"})))
    assert [r["sku"] for r in found] == ["A-1", "A-4"]


def test_a_bad_filter_is_a_json_error_even_when_csv_was_asked(admin, catalog):
    response = admin.get(URL, {"brand": "x", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "brand" in response.json()["fields"]


def test_export_is_for_admins_only(anon, member, db):
    assert anon.get(URL).status_code == 401
    assert member.get(URL).status_code == 403


def test_pages_are_read_by_id_and_cover_every_product(db, settings):
    brand = Brand.objects.create(name="B")
    Product.objects.bulk_create(
        Product(sku=f"S-{i}", name="N", price=1, brand=brand) for i in range(25)
    )
    pages = list(exports.products_in_pages(Product.objects.select_related("brand"), page_size=10))
    assert [len(page) for page in pages] == [10, 10, 5]
    ids = [product.pk for page in pages for product in page]
    assert ids == sorted(ids) and len(set(ids)) == 25


def _state() -> list[tuple]:
    return sorted(
        (
            p.sku,
            p.name,
            p.price,
            p.brand.name,
            p.category.name if p.category else None,
            p.category.parent.name if p.category and p.category.parent else None,
        )
        for p in Product.objects.select_related("brand", "category__parent")
    )


def test_export_then_import_into_an_empty_catalog_reproduces_it(admin, admin_user, catalog):
    before = _state()
    content = body_of(admin.get(URL))
    Product.objects.all().delete()
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()
    Brand.objects.all().delete()
    job = imports.job_create(content=content, actor=admin_user, create_missing=True)
    imports.job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created, job.errors) == ("succeeded", 4, [])
    assert _state() == before
    again = body_of(admin.get(URL))
    assert rows_of(again) == rows_of(content)  # and it exports the same file again


def test_the_commands_export_and_import_the_same_file(admin_user, catalog, tmp_path):
    path = tmp_path / "products.csv"
    call_command("export_products", "--output", str(path))
    assert rows_of(path.read_bytes())[0]["sku"] == "A-1"
    Product.objects.filter(sku="A-1").update(name="Changed")
    out = io.StringIO()
    call_command("import_products", str(path), "--as", admin_user.username, stdout=out)
    assert "0 created, 1 updated, 3 unchanged, 0 failed" in out.getvalue()
    assert Product.objects.get(sku="A-1").name == "Amp"


def test_the_stock_columns_sum_the_active_locations(admin, catalog, order_system):
    from catalog_service.inventory.models import Location, StockLevel

    amp = catalog[0]
    for code, active, on_hand, reserved in (
        ("a", True, 10, 3),
        ("b", True, 5, 0),
        ("c", False, 7, 0),
    ):
        location = Location.objects.create(code=code, name=code, active=active)
        StockLevel.objects.create(
            product=amp, location=location, on_hand=on_hand, reserved=reserved
        )
    rows = rows_of(body_of(admin.get(URL)))
    assert (rows[0]["stock_on_hand"], rows[0]["stock_available"]) == ("15", "12")
    assert (rows[1]["stock_on_hand"], rows[1]["stock_available"]) == ("0", "0")
    lines = [json.loads(line) for line in body_of(admin.get(URL, {"format": "jsonl"})).splitlines()]
    assert (lines[0]["stock_on_hand"], lines[0]["stock_available"]) == (15, 12)
