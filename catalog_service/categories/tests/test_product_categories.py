"""Products in the category tree: shown with their path, filtered by subtree, never stale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog_service.catalog import cache as product_cache
from catalog_service.catalog.models import Product
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.notifications.models import ProductChangeEvent

from .factories import CategoryFactory
from .test_category_api import steps

URL = "/api/v1/product/"


@pytest.fixture
def shelf(brand):
    """home > furniture > chairs; a product in each of chairs, furniture, lighting, and none."""
    home = CategoryFactory(name="Home", slug="home")
    furniture = CategoryFactory(name="Furniture", slug="furniture", parent=home)
    chairs = CategoryFactory(name="Chairs", slug="chairs", parent=furniture)
    lighting = CategoryFactory(name="Lighting", slug="lighting", parent=home)
    products = {
        "chair": ProductFactory(sku="CHAIR", brand=brand, category=chairs),
        "table": ProductFactory(sku="TABLE", brand=brand, category=furniture),
        "lamp": ProductFactory(sku="LAMP", brand=brand, category=lighting),
        "loose": ProductFactory(sku="LOOSE", brand=brand),
    }
    return {
        "home": home,
        "furniture": furniture,
        "chairs": chairs,
        "lighting": lighting,
        **products,
    }


def skus(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["sku"] for row in response.json()["results"]]


@pytest.mark.parametrize("cache", [False, True])
def test_a_product_shows_its_category_with_the_path(anon, shelf, settings, redis_db, cache):
    settings.PRODUCT_CACHE_SECONDS = 300 if cache else 0
    expected = {
        **steps(shelf["chairs"])[0],
        "path": steps(shelf["home"], shelf["furniture"], shelf["chairs"]),
    }
    for _ in range(2):  # a miss, then (cache on) a hit
        assert anon.get(f"{URL}{shelf['chair'].id}/").json()["category"] == expected
        listed = {row["sku"]: row["category"] for row in anon.get(URL).json()["results"]}
        assert listed["CHAIR"] == expected
        assert listed["LOOSE"] is None
        fed = {row["sku"]: row["category"] for row in anon.get(f"{URL}feed/").json()["results"]}
        assert fed == listed


@pytest.mark.parametrize("client", ["anon", "admin"])
def test_category_filter_takes_the_subtree_unless_told_not_to(request, shelf, client):
    api = request.getfixturevalue(client)
    home, furniture = shelf["home"].id, shelf["furniture"].id
    assert skus(api.get(URL, {"category": home})) == ["CHAIR", "TABLE", "LAMP"]
    assert skus(api.get(URL, {"category": furniture})) == ["CHAIR", "TABLE"]
    only = {"category": furniture, "include_descendants": "false"}
    assert skus(api.get(URL, only)) == ["TABLE"]
    assert skus(api.get(f"{URL}feed/", {"category": furniture})) == ["CHAIR", "TABLE"]
    assert skus(api.get(URL, {"category": 999999})) == []


def test_a_category_filter_that_is_not_an_id_is_a_400(anon, shelf):
    response = anon.get(URL, {"category": "chairs"})
    assert response.status_code == 400
    assert "category" in response.json()["fields"]


@pytest.mark.parametrize("change", ["rename", "move"])
def test_renames_and_moves_show_on_the_very_next_read(
    anon, admin, shelf, cached, django_capture_on_commit_callbacks, change
):
    chair = shelf["chair"].id
    anon.get(f"{URL}{chair}/")
    anon.get(URL)
    anon.get(f"{URL}feed/")  # everything cached
    furniture = f"/api/v1/category/{shelf['furniture'].id}/"
    data = {"name": "Seating"} if change == "rename" else {"parent": shelf["lighting"].id}
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.patch(furniture, data, format="json").status_code == 200
    expected = (
        ["Home", "Seating", "Chairs"]
        if change == "rename"
        else ["Home", "Lighting", "Furniture", "Chairs"]
    )

    def names(row) -> list[str]:
        return [step["name"] for step in row["category"]["path"]]

    assert names(anon.get(f"{URL}{chair}/").json()) == expected
    listed = {row["sku"]: row for row in anon.get(URL).json()["results"]}
    assert names(listed["CHAIR"]) == expected
    fed = {row["sku"]: row for row in anon.get(f"{URL}feed/").json()["results"]}
    assert names(fed["CHAIR"]) == expected


def test_category_changes_reach_the_history_as_paths(admin, shelf):
    url = f"{URL}{shelf['loose'].id}/"
    assert admin.patch(url, {"category": shelf["chairs"].id}, format="json").status_code == 200
    assert admin.patch(url, {"category": None}, format="json").status_code == 200
    set_it, unset_it = ProductChangeEvent.objects.order_by("pk")
    assert set_it.changes == {"category": [None, "Home / Furniture / Chairs"]}
    assert unset_it.changes == {"category": ["Home / Furniture / Chairs", None]}
    assert Product.objects.get(pk=shelf["loose"].pk).category_id is None


def test_an_unknown_category_is_a_400(admin, brand):
    data = {"sku": "X-1", "name": "X", "price": "1.00", "brand": brand.id, "category": 999999}
    response = admin.post(URL, data, format="json")
    assert response.status_code == 400
    assert "category" in response.json()["fields"]
    assert not Product.objects.filter(sku="X-1").exists()


def test_a_rename_costs_the_same_whatever_the_products_below(
    admin, brand, cached, django_capture_on_commit_callbacks
):
    """The products below are not rewritten: a new cache generation, one Redis command."""

    def rename_queries(products: int) -> int:
        category = CategoryFactory()
        ProductFactory.create_batch(products, brand=brand, category=category)
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            CaptureQueriesContext(connection) as captured,
        ):
            response = admin.patch(
                f"/api/v1/category/{category.id}/", {"name": "Renamed"}, format="json"
            )
        assert response.status_code == 200
        assert len(callbacks) == 1  # the new generation
        return len(captured)

    generation = cached.get(product_cache._GENERATION_KEY)
    assert rename_queries(1) == rename_queries(300)
    assert int(cached.get(product_cache._GENERATION_KEY)) == int(generation or 0) + 2
