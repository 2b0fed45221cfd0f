"""Product search (catalog.search) through the API: substrings of name and SKU, every term must
match, typos corrected through the catalog's words, best matches first unless `ordering` says
otherwise. The `test_anywhere_` tests run again on SQLite (the last test), where search is DRF's
plain case-insensitive substring match."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from catalog_service.catalog.models import Product, SearchWord
from catalog_service.catalog.search import RANK, ProductSearchFilter, ranked_page
from catalog_service.catalog.tests.factories import ProductFactory
from testing.services import unavailable
from testing.sqlite import pytest_on_sqlite

HERE = __file__
URL = "/api/v1/product/"

# (sku, name), created in this order through the API (so through the services)
CATALOG = [
    ("PROD-1234", "Walnut Chair 3"),
    ("PROD-5678", "Oak Table"),
    ("CHAIR-1", "Garden Bench"),
    ("MAT-77", "Memory Foam Mattress"),
    ("PROD-12", "Walnut Shelf"),
    ("XPROD-12", "Chair Cushion"),
    ("TOWEL_1", "100% Cotton Towel"),
    ("CAFE-1", "Crème Café Mug"),
]


def create(admin, brand, sku, name) -> int:
    response = admin.post(
        URL, {"sku": sku, "name": name, "price": "10.00", "brand": brand.id}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def catalog(admin, brand):
    return {sku: create(admin, brand, sku, name) for sku, name in CATALOG}


@pytest.fixture
def pg(db):
    if connection.vendor != "postgresql":
        unavailable("typo tolerance and ranking need PostgreSQL")


def found(client, search, **query):
    response = client.get(URL, {"search": search, **query})
    assert response.status_code == 200, response.content
    return [row["sku"] for row in response.json()["results"]]


def words() -> set[str]:
    return set(SearchWord.objects.values_list("word", flat=True))


# --- on every database ---------------------------------------------------------------------------


def test_anywhere_partial_sku_is_found(anon, catalog):
    assert found(anon, "ROD-12") == ["PROD-1234", "PROD-12", "XPROD-12"]
    assert found(anon, "rod-56") == ["PROD-5678"]


def test_anywhere_every_term_must_match(anon, catalog):
    assert found(anon, "walnut chair") == ["PROD-1234"]
    assert found(anon, "Shelf WALNUT") == ["PROD-12"]
    assert found(anon, "walnut, prod-12") == ["PROD-1234", "PROD-12"]  # name and SKU terms
    assert found(anon, "oak chair") == []


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("%", ["TOWEL_1"]),  # wildcards are literal
        ("_", ["TOWEL_1"]),
        ("100%", ["TOWEL_1"]),
        ("%%%", []),
        ("'", list(dict(CATALOG))),  # an empty quoted phrase: no term
        ('"', list(dict(CATALOG))),
        ("\\", []),
        ("'; DROP TABLE catalog_product; --", []),
        ('"walnut chair"', ["PROD-1234"]),  # a quoted phrase is one term
        ('"walnut', []),
        ("\x00walnut\x00", ["PROD-1234", "PROD-12"]),
        ("x" * 5000, []),
        ("walnut " * 500, ["PROD-1234", "PROD-12"]),
        (" ".join(f"w{n}" for n in range(300)), []),
        ("Café", ["CAFE-1"]),
        ("crème", ["CAFE-1"]),
        ("🪑", []),
        ("椅子", []),
        ("   ", list(dict(CATALOG))),
    ],
)
def test_anywhere_any_input_is_answered(anon, catalog, search, expected):
    assert found(anon, search) == expected


def test_anywhere_the_words_table_follows_the_names(admin, brand):
    product_id = create(admin, brand, "S-1", "Walnut Chair 3")
    admin.patch(f"{URL}{product_id}/", {"name": "Teak Stool"}, format="json")
    ProductFactory(sku="S-2", name="Velvet Sofa", brand=brand)  # not through the services
    assert words() == {"walnut", "chair", "teak", "stool"}
    call_command("search_words_rebuild", stdout=io.StringIO())
    assert words() == {"teak", "stool", "velvet", "sofa"}


def test_anywhere_admin_search_matches_anonymous(anon, admin, catalog):
    assert found(admin, "ROD-12") == found(anon, "ROD-12") == ["PROD-1234", "PROD-12", "XPROD-12"]


# --- PostgreSQL: typos, ranking, the words table --------------------------------------------------


def test_typo_in_a_word_still_finds(anon, catalog, pg):
    assert found(anon, "chiar") == ["PROD-1234", "XPROD-12"]  # swapped letters: Chair
    assert found(anon, "matress") == ["MAT-77"]  # a letter missing: Mattress
    assert found(anon, "walnutt chiar") == ["PROD-1234"]  # every term corrected, all must match
    assert found(anon, "MATTRES") == ["MAT-77"]  # part of a word: found as typed
    assert found(anon, "cotten") == ["TOWEL_1"]  # a letter replaced


def test_typos_are_bounded(anon, catalog, pg):
    assert found(anon, "chr") == []  # three letters: never corrected
    assert found(anon, "chaiiir") == []  # 2 edits from "chair": too many for 7 letters
    assert found(anon, "matrass") == []  # 2 edits from "mattress": too many for 7 letters
    assert found(anon, "mattrasss") == ["MAT-77"]  # 2 edits: allowed from 8 letters on
    assert found(anon, "cha1r") == []  # digits: a SKU-like term, never corrected


def test_unicode_ignores_case(anon, catalog, pg):
    assert found(anon, "CAFÉ CRÈME") == ["CAFE-1"]
    assert found(anon, "cafe") == ["CAFE-1"]  # the SKU, and "café" is one letter away
    assert found(anon, "crme") == ["CAFE-1"]  # a letter missing from a word with an accent


def test_best_matches_first(anon, catalog, pg):
    # exact SKU, then a SKU starting with it, then a SKU containing it (id order: 1234, 12, X)
    assert found(anon, "prod-12") == ["PROD-12", "PROD-1234", "XPROD-12"]
    # a SKU starting with it, then names containing it (by id)
    assert found(anon, "chair") == ["CHAIR-1", "PROD-1234", "XPROD-12"]
    # names containing the query as typed before names with its terms elsewhere
    assert found(anon, "walnut shelf") == ["PROD-12"]
    assert found(anon, "chair walnut") == ["PROD-1234"]


def test_found_as_typed_before_found_through_a_correction(admin, anon, brand, catalog, pg):
    create(admin, brand, "X-CHIAR", "Stool")  # the typo as typed, in a SKU only
    assert found(anon, "chiar") == ["X-CHIAR", "PROD-1234", "XPROD-12"]


def test_phrase_in_name_before_terms_apart(admin, anon, brand, catalog, pg):
    create(admin, brand, "SHELF-2", "Shelf of Walnut")
    create(admin, brand, "SHELF-3", "Tall Walnut Shelf")
    assert found(anon, "walnut shelf") == ["PROD-12", "SHELF-3", "SHELF-2"]


def test_an_explicit_ordering_wins(anon, catalog, pg):
    assert found(anon, "prod-12", ordering="name") == ["XPROD-12", "PROD-1234", "PROD-12"]
    assert found(anon, "prod-12", ordering="-created_at") == ["XPROD-12", "PROD-12", "PROD-1234"]
    # an ordering that is not one leaves the ranking
    assert found(anon, "prod-12", ordering="bogus") == ["PROD-12", "PROD-1234", "XPROD-12"]


def test_ranking_pages_and_counts(anon, catalog, pg):
    body = anon.get(URL, {"search": "prod-12", "page_size": 2}).json()
    assert body["count"] == 3
    assert [row["sku"] for row in body["results"]] == ["PROD-12", "PROD-1234"]
    assert [row["sku"] for row in anon.get(body["next"]).json()["results"]] == ["XPROD-12"]


def test_ranking_from_the_cache_path(anon, catalog, pg, cached):
    """With the cache on, anonymous pages are picked as `.values("id")` querysets."""
    assert found(anon, "prod-12") == ["PROD-12", "PROD-1234", "XPROD-12"]
    assert found(anon, "chiar") == ["PROD-1234", "XPROD-12"]
    assert found(anon, "prod-12") == ["PROD-12", "PROD-1234", "XPROD-12"]  # the cached page


# Rows in every tier of "oak", several in each, their ids interleaved across tiers.
TIERED = [
    ("OAK-9", "Plain Stool"),  # a SKU starting with the query
    ("X-1", "Oak Table"),  # a name containing it
    ("OAK", "Plain Bench"),  # the exact SKU
    ("Y-OAK", "Plain Shelf"),  # a SKU containing it
    ("OAK-2", "Oak Desk"),
    ("X-2", "Big Oak Chair"),
    ("Z-OAK-1", "Plain Lamp"),
    ("OAK-1", "Plain Rug"),
    ("X-3", "Oak Bed"),
]


def test_tier_by_tier_pages_are_the_ranking(admin, anon, brand, pg):
    """Every page, at every page size, is the window ORDER BY rank, id gives (the SQL order, which
    ranked_page must equal without running it), through the API and on the queryset."""
    for sku, name in TIERED:
        create(admin, brand, sku, name)
    best_first = ["OAK", "OAK-9", "OAK-2", "OAK-1", "X-1", "X-2", "X-3", "Y-OAK", "Z-OAK-1"]
    assert found(anon, "oak", page_size=len(TIERED)) == best_first
    for size in range(1, len(TIERED) + 1):
        pages = [
            found(anon, "oak", page_size=size, page=page)
            for page in range(1, -(-len(TIERED) // size) + 1)
        ]
        assert [sku for page in pages for sku in page] == best_first, size
    for query in ("oak", "oak plain", "plian", "oak plian"):  # "plian": corrected, a tier more
        request = Request(APIRequestFactory().get(URL, {"search": query}))
        matches = ProductSearchFilter().filter_queryset(request, Product.objects.all(), None)
        by_sql = list(matches.order_by(RANK, "id"))
        assert by_sql, query
        for bottom in range(len(by_sql)):
            for top in range(bottom + 1, len(by_sql) + 2):
                window = ranked_page(matches.order_by(RANK, "id"), bottom, top)
                assert window == by_sql[bottom:top], (query, bottom, top)


def test_a_page_never_ranks_every_match(anon, brand, pg, settings):
    """With more matches than its pages reach, each tier is read by id with a LIMIT; no query
    sorts the matches by their rank."""
    settings.SEARCH_MAX_DEPTH = 10
    ProductFactory.create_batch(30, name="Oak Table", brand=brand)
    with CaptureQueriesContext(connection) as queries:
        assert len(found(anon, "oak", page_size=5)) == 5
    reads = [q["sql"] for q in queries if "catalog_product" in q["sql"]]
    assert reads and not any("ORDER BY CASE" in sql or "ORDER BY (CASE" in sql for sql in reads)
    assert [sql for sql in reads if sql.endswith("ORDER BY 1 ASC LIMIT 5")]


def test_fewer_matches_than_the_pages_reach_are_ranked_in_one_query(anon, brand, pg):
    ProductFactory.create_batch(30, name="Oak Table", brand=brand)
    ProductFactory(sku="OAK-1", name="Plain Rug", brand=brand)
    with CaptureQueriesContext(connection) as queries:
        assert found(anon, "oak", page_size=5)[0] == "OAK-1"
    ranking = [q["sql"] for q in queries if "ORDER BY CASE" in q["sql"]]
    assert len(ranking) == 1, [q["sql"] for q in queries]
    assert not [q for q in queries if q["sql"].endswith("ORDER BY 1 ASC LIMIT 5")]


@pytest.mark.parametrize(("api_depth", "search_depth"), [(100, 4), (4, 100)])
def test_a_search_counts_up_to_the_depth_its_pages_reach(
    anon, brand, pg, settings, api_depth, search_depth
):
    """A search's pages reach SEARCH_MAX_DEPTH rows, within API_MAX_PAGE_DEPTH, and its count
    stops there; the list itself keeps its exact count."""
    settings.API_MAX_PAGE_DEPTH, settings.SEARCH_MAX_DEPTH = api_depth, search_depth
    ProductFactory.create_batch(6, name="Oak Table", brand=brand)
    first = anon.get(URL, {"search": "oak", "page_size": 2}).json()
    assert first["count"] == 4  # 6 match; the pages reach 4 of them
    last = anon.get(first["next"]).json()
    assert len(last["results"]) == 2 and last["next"] is None
    deeper = anon.get(URL, {"search": "oak", "page_size": 2, "page": 3})
    assert deeper.status_code == 400 and deeper.json()["code"] == "page_too_deep"
    assert deeper.json()["message"].endswith("Narrow the search to see more of it.")
    assert anon.get(URL, {"page_size": 2}).json()["count"] == 6  # the list itself: all of them
    assert anon.get(URL, {"page_size": 2, "page": 3}).status_code == (200 if api_depth > 4 else 400)


def test_admin_search_is_ranked_too(admin, catalog, pg):
    assert found(admin, "chair") == ["CHAIR-1", "PROD-1234", "XPROD-12"]
    assert found(admin, "chiar") == ["PROD-1234", "XPROD-12"]


def test_product_writes_add_their_words(admin, anon, brand, pg):
    product_id = create(admin, brand, "S-1", "Walnut Chair 3")
    assert words() == {"walnut", "chair"}  # runs of letters, 3 or more
    response = admin.patch(f"{URL}{product_id}/", {"name": "Teak Stool"}, format="json")
    assert response.status_code == 200, response.content
    assert words() == {"walnut", "chair", "teak", "stool"}  # the old ones until a rebuild
    assert found(anon, "stol") == ["S-1"]
    assert found(anon, "chiar") == []


def test_rebuild_adds_missing_words_and_drops_unused_ones(admin, anon, brand, pg):
    product_id = create(admin, brand, "S-1", "Walnut Chair")
    admin.patch(f"{URL}{product_id}/", {"name": "Teak Stool"}, format="json")
    ProductFactory(sku="S-2", name="Velvet Sofa", brand=brand)  # not through the services
    assert found(anon, "velvt") == []
    call_command("search_words_rebuild", stdout=io.StringIO())
    assert words() == {"teak", "stool", "velvet", "sofa"}
    assert found(anon, "velvt") == ["S-2"]


def test_search_words_table_is_bounded(admin, brand, pg):
    create(admin, brand, "S-1", "Ox TV 4K " + "a" * 65 + " Chair-Cushion Chair")
    assert words() == {"chair", "cushion"}  # 2 letters or fewer, and over 64, are not kept


# --- SQLite --------------------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_search_on_sqlite():
    pytest_on_sqlite("-k", "anywhere", HERE, timeout=280)
