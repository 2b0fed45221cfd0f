import pytest
from rest_framework.test import APIClient

from catalog_service.accounts.tests.factories import PASSWORD

TOKEN = "/api/v1/token/"


@pytest.fixture
def tokens(admin_user):
    client = APIClient()
    response = client.post(TOKEN, {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_token_obtain_returns_pair_and_identity(admin_user, tokens):
    assert set(tokens) == {"access", "refresh", "user_id", "username", "is_staff"}
    assert tokens["user_id"] == admin_user.id
    assert tokens["username"] == admin_user.username
    assert tokens["is_staff"] is True


def test_token_obtain_wrong_password_is_401(anon, admin_user):
    response = anon.post(TOKEN, {"username": admin_user.username, "password": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


def test_token_obtain_missing_fields_is_400(anon, db):
    response = anon.post(TOKEN, {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "password"}


def test_token_refresh_rotates_and_blacklists_the_old_one(anon, tokens):
    response = anon.post(f"{TOKEN}refresh/", {"refresh": tokens["refresh"]})
    assert response.status_code == 200
    assert response.json()["refresh"] != tokens["refresh"]
    again = anon.post(f"{TOKEN}refresh/", {"refresh": tokens["refresh"]})
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_token_verify(anon, tokens):
    assert anon.post(f"{TOKEN}verify/", {"token": tokens["access"]}).status_code == 200
    bad = anon.post(f"{TOKEN}verify/", {"token": tokens["access"][:-2] + "xx"})
    assert bad.status_code == 401
    assert bad.json()["code"] == "token_not_valid"


def test_token_blacklist_logs_out(anon, tokens):
    assert anon.post(f"{TOKEN}blacklist/", {"refresh": tokens["refresh"]}).status_code == 200
    response = anon.post(f"{TOKEN}refresh/", {"refresh": tokens["refresh"]})
    assert response.status_code == 401


def test_token_of_deactivated_admin_stops_working(tokens, admin_user):
    client = bearer(tokens["access"])
    assert client.get("/api/v1/user/").status_code == 200
    admin_user.is_active = False
    admin_user.save()
    response = client.get("/api/v1/user/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_token_of_deleted_admin_stops_working(tokens, admin_user):
    admin_user.delete()
    response = bearer(tokens["access"]).get("/api/v1/product/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_not_found"


def test_token_revoked_by_password_change(tokens, admin_user):
    admin_user.set_password("a-brand-new-passphrase")
    admin_user.save()
    response = bearer(tokens["access"]).get("/api/v1/user/")
    assert response.status_code == 401
    assert response.json()["code"] == "password_changed"


def test_token_malformed_header_is_401(anon, db):
    anon.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = anon.get("/api/v1/product/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_token_signed_with_another_key_is_401(admin_user):
    import jwt

    forged = jwt.encode(
        {"user_id": str(admin_user.id), "token_type": "access"},
        "another-signing-key-of-sufficient-length-32b",
    )
    response = bearer(forged).get("/api/v1/user/")
    assert response.status_code == 401


def test_token_refresh_of_deleted_user_is_401(anon, tokens, admin_user):
    admin_user.delete()
    response = anon.post(f"{TOKEN}refresh/", {"refresh": tokens["refresh"]})
    assert response.status_code == 401
    assert response.json()["code"] == "user_not_found"
    assert "access" not in response.json()


def test_token_refresh_of_deactivated_user_is_401(anon, tokens, admin_user):
    admin_user.is_active = False
    admin_user.save()
    response = anon.post(f"{TOKEN}refresh/", {"refresh": tokens["refresh"]})
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"
    assert "access" not in response.json()


def test_token_refresh_after_password_change_is_401(anon, tokens, admin_user):
    admin_user.set_password("a-brand-new-passphrase")
    admin_user.save()
    response = anon.post(f"{TOKEN}refresh/", {"refresh": tokens["refresh"]})
    assert response.status_code == 401
    assert response.json()["code"] == "password_changed"


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_token_verify_of_deactivated_user_is_401(anon, tokens, admin_user, kind):
    admin_user.is_active = False
    admin_user.save()
    response = anon.post(f"{TOKEN}verify/", {"token": tokens[kind]})
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_token_verify_of_deleted_user_is_401(anon, tokens, admin_user, kind):
    admin_user.delete()
    response = anon.post(f"{TOKEN}verify/", {"token": tokens[kind]})
    assert response.status_code == 401
    assert response.json()["code"] == "user_not_found"
