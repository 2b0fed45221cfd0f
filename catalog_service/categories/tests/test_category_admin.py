"""The Django admin writes categories through the same services and shape checks as the API."""

from catalog_service.categories.models import Category

from .factories import CategoryFactory


def test_admin_creates_and_refuses_a_move_under_its_own_subtree(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/admin/categories/category/add/", {"name": "Garden", "slug": ""})
    assert response.status_code == 302, response.content
    garden = Category.objects.get(name="Garden")
    assert garden.slug == "garden"
    tools = CategoryFactory(name="Tools", slug="tools", parent=garden)
    change = f"/admin/categories/category/{garden.pk}/change/"
    form = {"name": "Garden", "slug": "garden", "parent": tools.pk}
    refused = client.post(change, form)
    assert refused.status_code == 200  # the form again, with the error
    assert "cannot be moved under itself" in refused.content.decode()
    assert Category.objects.get(pk=garden.pk).parent_id is None
