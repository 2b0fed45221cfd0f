import csv
import io
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from catalog_service.analytics import counters
from catalog_service.analytics.counters import IMPRESSION, VIEW
from catalog_service.catalog import selectors
from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory

REPORT = "/api/v1/report/views/"
D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
SPAN = {"date_from": D1, "date_to": D2}


@pytest.fixture
def reads(db):
    denon, sony = BrandFactory(name="Denon"), BrandFactory(name="Sony")
    cd = ProductFactory(sku="CD-1", name="CD Player", brand=denon)
    amp = ProductFactory(sku="AMP-1", name="Amplifier", brand=denon)
    tv = ProductFactory(sku="TV-1", name="Television", brand=sony)
    gone = ProductFactory(sku="OLD-1", name="Discontinued", brand=sony)
    counters.counts_upsert(
        {
            (cd.id, D1, VIEW): 5,
            (cd.id, D3, VIEW): 2,
            (cd.id, D1, IMPRESSION): 50,
            (amp.id, D2, VIEW): 9,
            (tv.id, D2, VIEW): 1,
            (tv.id, D2, IMPRESSION): 4,
            (gone.id, D1, VIEW): 3,
            (cd.id, D1 - timedelta(days=1), VIEW): 100,  # outside the range
        }
    )
    gone_id = gone.id
    gone.delete()
    return {"cd": cd, "amp": amp, "tv": tv, "gone_id": gone_id, "denon": denon}


def test_views_report_ranks_products_in_range(admin, reads):
    response = admin.get(REPORT, {"from": "2026-03-01", "to": "2026-03-03"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totals"] == {"views": 20, "impressions": 54}
    ranked = [(r["product_id"], r["views"], r["impressions"]) for r in body["results"]]
    assert ranked == [
        (reads["amp"].id, 9, 0),
        (reads["cd"].id, 7, 50),
        (reads["gone_id"], 3, 0),
        (reads["tv"].id, 1, 4),
    ]
    assert body["results"][0]["product"]["sku"] == "AMP-1"
    assert body["results"][2]["product"] is None  # deleted, counts kept


def test_a_product_in_the_trash_is_ranked_only_when_asked(admin, reads):
    assert admin.delete(f"/api/v1/product/{reads['tv'].id}/").status_code == 204
    span = {"from": "2026-03-01", "to": "2026-03-03"}
    ranked = [r["product_id"] for r in admin.get(REPORT, span).json()["results"]]
    assert ranked == [reads["amp"].id, reads["cd"].id, reads["gone_id"]]
    body = admin.get(REPORT, {**span, "include_trashed": "true"}).json()
    last = body["results"][-1]
    assert (last["product_id"], last["in_trash"], last["product"]["sku"]) == (
        reads["tv"].id,
        True,
        reads["tv"].sku,
    )
    assert body["totals"] == {"views": 20, "impressions": 54}  # every read still counts


def test_views_report_filters_by_brand_and_limits(admin, reads):
    body = admin.get(
        REPORT, {"from": "2026-03-01", "to": "2026-03-03", "brand": reads["denon"].id, "limit": 1}
    ).json()
    assert body["brand"] == reads["denon"].id
    assert body["totals"] == {"views": 16, "impressions": 50}
    assert [r["product"]["sku"] for r in body["results"]] == ["AMP-1"]


@pytest.mark.parametrize("how", [{"format": "csv"}, {"HTTP_ACCEPT": "text/csv"}])
def test_views_report_as_csv(admin, reads, how):
    params = {
        "from": "2026-03-01",
        "to": "2026-03-03",
        **{k: v for k, v in how.items() if k == "format"},
    }
    headers = {k: v for k, v in how.items() if k.startswith("HTTP_")}
    response = admin.get(REPORT, params, **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="product-views_2026-03-01_2026-03-03.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        *("rank", "product_id", "sku", "name", "brand", "views", "impressions", "in_trash")
    ]
    assert rows[1] == ["1", str(reads["amp"].id), "AMP-1", "Amplifier", "Denon", "9", "0", "False"]
    assert rows[3][3] == "(deleted)"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-03-01"}, "to"),
        ({"brand": 999_999}, "brand"),
        ({"brand": "abc"}, "brand"),
        ({"limit": 0}, "limit"),
    ],
)
def test_views_report_bad_query_is_400(admin, db, params, field):
    response = admin.get(REPORT, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["fields"]


def test_views_report_bad_query_as_csv_is_still_json_error(admin, db):
    response = admin.get(REPORT, {"from": "nope", "format": "csv"})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_views_report_defaults_to_last_30_days(admin, db):
    body = admin.get(REPORT).json()
    assert date.fromisoformat(body["to"]) == counters.today()
    assert (date.fromisoformat(body["to"]) - date.fromisoformat(body["from"])).days == 29


def test_product_views_series_fills_missing_days(admin, reads):
    url = f"/api/v1/product/{reads['cd'].id}/views/"
    body = admin.get(url, {"from": "2026-03-01", "to": "2026-03-04"}).json()
    assert body["totals"] == {"views": 7, "impressions": 50}
    assert body["days"] == [
        {"date": "2026-03-01", "views": 5, "impressions": 50},
        {"date": "2026-03-02", "views": 0, "impressions": 0},
        {"date": "2026-03-03", "views": 2, "impressions": 0},
        {"date": "2026-03-04", "views": 0, "impressions": 0},
    ]


def test_product_views_series_csv(admin, reads):
    url = f"/api/v1/product/{reads['cd'].id}/views/"
    response = admin.get(url, {"from": "2026-03-01", "to": "2026-03-02", "format": "csv"})
    assert response.content.decode().splitlines() == [
        "date,views,impressions",
        "2026-03-01,5,50",
        "2026-03-02,0,0",
    ]
    assert f"product-{reads['cd'].id}-views_" in response["Content-Disposition"]


def test_product_views_series_unknown_product_is_404(admin, db):
    response = admin.get("/api/v1/product/999999/views/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


@pytest.mark.parametrize("path", [REPORT, "/api/v1/product/1/views/"])
def test_reports_are_for_admins_only(anon, member, path, db):
    refused = [anon.get(path), member.get(path)]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [
        (401, "not_authenticated"),
        (403, "permission_denied"),
    ]
    assert all("results" not in r.json() and "days" not in r.json() for r in refused)


def test_views_report_command_prints_top_table(reads):
    out = StringIO()
    call_command(
        "views_report", "--from", "2026-03-01", "--to", "2026-03-03", "--limit", "2", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert "2026-03-01 to 2026-03-03" in lines[0]
    body = [line for line in lines if line.strip().startswith(("1 ", "2 "))]
    assert "AMP-1" in body[0] and body[0].split()[-2:] == ["9", "0"]
    assert "CD-1" in body[1] and body[1].split()[-2:] == ["7", "50"]
    assert lines[-1].split()[-2:] == ["20", "54"]


def test_report_csv_cells_a_spreadsheet_would_run_are_escaped(admin, db):
    brand = BrandFactory(name="+cmd|' /C calc'!A0")
    hostile = {
        '=HYPERLINK("http://x.example","click")': "@SUM(A1:A9)",
        "-2+3+cmd|' /C calc'!A0": "\tTAB",
    }
    products = [ProductFactory(sku=sku, name=name, brand=brand) for sku, name in hostile.items()]
    counters.counts_upsert({(p.id, D1, VIEW): n for n, p in enumerate(products, start=1)})
    response = admin.get(REPORT, {"from": "2026-03-01", "to": "2026-03-01", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = {cell for row in rows[1:] for cell in row[2:5]}
    assert cells == {
        '\'=HYPERLINK("http://x.example","click")',
        "'@SUM(A1:A9)",
        "'-2+3+cmd|' /C calc'!A0",
        "'\tTAB",
        "'+cmd|' /C calc'!A0",
    }
    assert [row[5] for row in rows[1:]] == ["2", "1"]  # numbers stay numbers


@pytest.fixture
def three(brand):
    """Two products read on two days, one never read."""
    read_often, read_once, unread = ProductFactory.create_batch(3, brand=brand)
    counters.counts_upsert(
        {
            (read_often.id, D1, VIEW): 5,
            (read_often.id, D2, VIEW): 2,
            (read_often.id, D1, IMPRESSION): 10,
            (read_once.id, D2, VIEW): 1,
            (read_once.id, D2, IMPRESSION): 3,
        }
    )
    return read_often, read_once, unread


def test_top_of_one_brand_counts_only_its_products(three):
    other = ProductFactory(brand=BrandFactory(name="Sony"))
    counters.counts_upsert({(other.id, D1, VIEW): 50})
    read_often, read_once, _ = three
    top = selectors.views_top(**SPAN, brand_id=read_often.brand_id)
    assert [(row.product_id, row.views) for row in top] == [(read_often.id, 7), (read_once.id, 1)]
    assert selectors.views_top(**SPAN)[0].product_id == other.id


def test_top_reads_the_products_and_brands_in_one_query(three, django_assert_num_queries):
    with django_assert_num_queries(2):  # the ranking, then the products with their brand
        top = selectors.views_top(**SPAN)
        assert [row.product.brand.name for row in top] == ["Denon", "Denon"]
    assert [row.product for row in top] == list(three[:2])
