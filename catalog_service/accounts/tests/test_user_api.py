import pytest
from rest_framework.test import APIClient

from catalog_service.accounts.models import User
from catalog_service.accounts.tests.factories import AdminFactory, UserFactory

URL = "/api/v1/user/"
NEW_ADMIN = {
    "first_name": "delete",
    "last_name": "Mayer",
    "email": "delete@example.com",
    "username": "delete",
    "is_staff": True,
    "password": "1qaz0plm_",
}


def detail(user_id):
    return f"{URL}{user_id}/"


def login(username, password):
    return APIClient().post("/api/v1/token/", {"username": username, "password": password})


def test_user_create_hashes_password_and_can_log_in(admin):
    response = admin.post(URL, NEW_ADMIN, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert "password" not in body
    user = User.objects.get(username="delete")
    assert user.password != NEW_ADMIN["password"]
    assert user.check_password(NEW_ADMIN["password"])
    assert user.is_staff and user.is_active
    tokens = login("delete", NEW_ADMIN["password"])
    assert tokens.status_code == 200
    assert tokens.json()["is_staff"] is True


def test_user_create_defaults_to_admin(admin):
    body = {k: v for k, v in NEW_ADMIN.items() if k != "is_staff"}
    assert admin.post(URL, body, format="json").json()["is_staff"] is True


def test_user_create_runs_password_validators(admin):
    response = admin.post(URL, {**NEW_ADMIN, "password": "12345"}, format="json")
    assert response.status_code == 400
    messages = " ".join(response.json()["fields"]["password"])
    assert "too short" in messages
    assert not User.objects.filter(username="delete").exists()


def test_user_create_requires_password(admin):
    body = {k: v for k, v in NEW_ADMIN.items() if k != "password"}
    response = admin.post(URL, body, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["fields"]


def test_user_create_duplicate_username_is_409(admin, admin_user):
    response = admin.post(
        URL, {**NEW_ADMIN, "username": admin_user.username.upper()}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"


def test_user_create_cannot_raise_superuser(admin):
    response = admin.post(URL, {**NEW_ADMIN, "is_superuser": True}, format="json")
    assert response.status_code == 201
    assert response.json()["is_superuser"] is False
    assert User.objects.get(username="delete").is_superuser is False


def test_user_read_only_fields_are_ignored(admin, member_user):
    response = admin.patch(
        detail(member_user.id),
        {"is_superuser": True, "date_joined": "2000-01-01T00:00:00Z", "id": 999},
        format="json",
    )
    assert response.status_code == 200
    member_user.refresh_from_db()
    assert member_user.is_superuser is False
    assert member_user.date_joined.year != 2000
    assert member_user.id != 999


def test_user_password_never_in_responses(admin, admin_user):
    listing = admin.get(URL).json()["results"]
    assert listing
    assert all("password" not in row for row in listing)
    assert "password" not in admin.get(detail(admin_user.id)).json()


def test_user_patch_changes_password(admin, member_user):
    response = admin.patch(detail(member_user.id), {"password": "n3w-Passphrase!"}, format="json")
    assert response.status_code == 200
    assert "password" not in response.json()
    assert login(member_user.username, "n3w-Passphrase!").status_code == 200


def test_user_patch_weak_password_is_400_and_keeps_old(admin, member_user):
    old_hash = member_user.password
    response = admin.patch(detail(member_user.id), {"password": "password"}, format="json")
    assert response.status_code == 400
    member_user.refresh_from_db()
    assert member_user.password == old_hash


def test_user_put_without_password_keeps_it(admin, member_user):
    body = {"username": member_user.username, "email": "x@example.com", "is_staff": False}
    response = admin.put(detail(member_user.id), body, format="json")
    assert response.status_code == 200, response.content
    member_user.refresh_from_db()
    assert member_user.email == "x@example.com"
    assert member_user.check_password("correct-horse-battery-staple")


def test_user_delete_last_active_admin_is_409(admin, admin_user):
    response = admin.delete(detail(admin_user.id))
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    assert User.objects.filter(pk=admin_user.pk).exists()


@pytest.mark.parametrize("change", [{"is_active": False}, {"is_staff": False}])
def test_user_deactivate_or_demote_last_active_admin_is_409(admin, admin_user, change):
    AdminFactory(is_active=False)  # an inactive admin does not count
    response = admin.patch(detail(admin_user.id), change, format="json")
    assert response.status_code == 409
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.is_staff


def test_user_delete_admin_when_another_remains(admin, admin_user):
    other = AdminFactory()
    assert admin.delete(detail(other.id)).status_code == 204
    assert not User.objects.filter(pk=other.pk).exists()


def test_user_deactivate_admin_when_another_remains(admin):
    other = AdminFactory()
    response = admin.patch(detail(other.id), {"is_active": False}, format="json")
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.is_active is False


def test_user_put_without_is_staff_keeps_a_member_a_member(admin, member_user):
    body = {"username": member_user.username, "email": "member@example.com"}
    response = admin.put(detail(member_user.id), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_staff"] is False
    member_user.refresh_from_db()
    assert (member_user.is_staff, member_user.email) == (False, "member@example.com")


def test_user_put_without_is_active_keeps_a_deactivated_account_inactive(admin):
    dormant = UserFactory(is_active=False)
    body = {"username": dormant.username, "email": dormant.email, "is_staff": False}
    response = admin.put(detail(dormant.id), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    dormant.refresh_from_db()
    assert dormant.is_active is False
    assert login(dormant.username, "correct-horse-battery-staple").status_code == 401


def test_username_in_full_width_letters_is_the_same_username(admin, admin_user):
    look_alike = "".join(chr(ord(char) + 0xFEE0) for char in admin_user.username)  # full-width
    response = admin.post(
        "/api/v1/user/", {"username": look_alike, "password": "a-Long-passw0rd!", "email": ""}
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "username_taken"
