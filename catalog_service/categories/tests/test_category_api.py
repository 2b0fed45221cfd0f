"""The category tree over HTTP: anyone reads, admins write, the tree's shape is always sound."""

import pytest

from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.categories.models import Category

from .factories import CategoryFactory

URL = "/api/v1/category/"


@pytest.fixture
def tree(db):
    """home > furniture > chairs, home > lighting."""
    home = CategoryFactory(name="Home", slug="home")
    furniture = CategoryFactory(name="Furniture", slug="furniture", parent=home)
    chairs = CategoryFactory(name="Chairs", slug="chairs", parent=furniture)
    lighting = CategoryFactory(name="Lighting", slug="lighting", parent=home)
    return {"home": home, "furniture": furniture, "chairs": chairs, "lighting": lighting}


def steps(*categories) -> list[dict]:
    return [{"id": c.id, "name": c.name, "slug": c.slug} for c in categories]


def test_anyone_reads_the_tree_in_order_with_paths(anon, tree, django_assert_max_num_queries):
    # The count, the page with depths, the paths' ids and their names: whatever the page's size.
    with django_assert_max_num_queries(4):
        body = anon.get(URL).json()
    assert [row["slug"] for row in body["results"]] == ["home", "furniture", "chairs", "lighting"]
    chairs = body["results"][2]
    assert chairs["parent"] == tree["furniture"].id
    assert chairs["path"] == steps(tree["home"], tree["furniture"], tree["chairs"])
    detail = anon.get(f"{URL}{tree['chairs'].id}/")
    assert detail.status_code == 200
    assert detail.json()["path"] == chairs["path"]


def test_only_admins_write(anon, member, tree):
    assert anon.post(URL, {"name": "Garden"}, format="json").status_code == 401
    assert member.post(URL, {"name": "Garden"}, format="json").status_code == 403
    assert not Category.objects.filter(name="Garden").exists()


def test_admin_creates_with_a_slug_from_the_name(admin, tree):
    response = admin.post(URL, {"name": "  Desk Lamps ", "parent": tree["lighting"].id})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["slug"]) == ("Desk Lamps", "desk-lamps")
    assert [step["slug"] for step in body["path"]] == ["home", "lighting", "desk-lamps"]


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"name": "X", "parent": 999999}, "parent", "does_not_exist"),
        ({"name": "X", "parent": "abc"}, "parent", "incorrect_type"),
        ({"name": ""}, "name", "blank"),
        ({"name": "X", "slug": "not a slug"}, "slug", "invalid"),
        ({"name": "Line\nbreak"}, "name", "invalid"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin, tree, data, field, code):
    response = admin.post(URL, data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["fields"], body
    assert Category.objects.count() == 4


def test_duplicate_slug_among_siblings_is_a_409_but_not_elsewhere(admin, tree):
    taken = admin.post(URL, {"name": "Chairs", "parent": tree["furniture"].id}, format="json")
    assert taken.status_code == 409
    assert taken.json()["code"] == "slug_taken"
    elsewhere = admin.post(URL, {"name": "Chairs", "parent": tree["lighting"].id}, format="json")
    assert elsewhere.status_code == 201
    root = admin.post(URL, {"name": "Home"}, format="json")  # a second top-level "home"
    assert root.status_code == 409
    assert Category.objects.filter(slug="chairs").count() == 2


def test_move_is_one_update_and_shows_the_new_path(admin, tree):
    url = f"{URL}{tree['chairs'].id}/"
    response = admin.patch(url, {"parent": tree["lighting"].id}, format="json")
    assert response.status_code == 200
    assert [step["slug"] for step in response.json()["path"]] == ["home", "lighting", "chairs"]
    to_root = admin.patch(url, {"parent": None}, format="json")
    assert [step["slug"] for step in to_root.json()["path"]] == ["chairs"]


@pytest.mark.parametrize("target", ["home", "furniture", "chairs"])
def test_a_move_under_itself_or_its_subtree_is_refused(admin, tree, target):
    # furniture under itself, its child chairs, or... home is its parent: fine, not a cycle
    response = admin.patch(
        f"{URL}{tree['furniture'].id}/", {"parent": tree[target].id}, format="json"
    )
    if target == "home":
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()["fields"]["parent"] == [
        "A category cannot be moved under itself or its own subcategories."
    ]
    assert Category.objects.get(pk=tree["furniture"].pk).parent_id == tree["home"].id


def test_depth_is_bounded(admin, tree, settings):
    settings.CATEGORY_MAX_DEPTH = 3
    too_deep = admin.post(URL, {"name": "Armchairs", "parent": tree["chairs"].id}, format="json")
    assert too_deep.status_code == 400
    assert "at most 3" in too_deep.json()["fields"]["parent"][0]
    # Moving furniture (2 levels) under lighting (level 2) would make 4 levels.
    moved = admin.patch(
        f"{URL}{tree['furniture'].id}/", {"parent": tree["lighting"].id}, format="json"
    )
    assert moved.status_code == 400
    assert Category.objects.count() == 4


def test_delete_with_children_or_products_is_a_409_with_the_numbers(admin, tree, brand):
    ProductFactory.create_batch(2, brand=brand, category=tree["furniture"])
    response = admin.delete(f"{URL}{tree['furniture'].id}/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "category_in_use"
    assert "1 subcategory(ies), 2 product(s) and 0 in the trash" in body["message"]
    assert admin.delete(f"{URL}{tree['chairs'].id}/").status_code == 204
    assert not Category.objects.filter(pk=tree["chairs"].pk).exists()


def test_if_match_guards_a_rename(admin, tree):
    url = f"{URL}{tree['chairs'].id}/"
    etag = admin.get(url)["ETag"]
    assert admin.patch(url, {"name": "Seats"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = admin.patch(url, {"name": "Stools"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Category.objects.get(pk=tree["chairs"].pk).name == "Seats"
