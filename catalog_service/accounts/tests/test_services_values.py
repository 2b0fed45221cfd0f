"""The account rules, by the values they leave: usernames unique ignoring case, the last admin
kept, and each field of a change stored."""

import importlib
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from rest_framework.exceptions import ValidationError

from catalog_service.accounts import services
from catalog_service.accounts.models import User
from catalog_service.accounts.tests.factories import AdminFactory, UserFactory
from conftest import client_for
from testing.services import unavailable

URL = "/api/v1/user/"
PASSWORD = "a-Long-passw0rd!"


# --- usernames differ by more than case ---------------------------------------------------------


def test_the_database_refuses_a_username_differing_only_by_case(db):
    User.objects.create_user("Alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("alice")  # as createsuperuser does: no service in between
    assert list(User.objects.values_list("username", flat=True)) == ["Alice"]


def test_model_validation_names_the_case_clash(db):
    User.objects.create_user("Alice")
    with pytest.raises(DjangoValidationError) as refused:
        User(username="ALICE").validate_constraints()
    assert refused.value.messages == ["A user with that username already exists."]


def test_user_create_refuses_a_username_differing_only_by_case(db):
    AdminFactory(username="Alice")
    with pytest.raises(services.UsernameTakenError) as refused:
        services.user_create(username="alice", password=PASSWORD)
    assert str(refused.value.detail) == "The username 'alice' is already taken."
    assert refused.value.field == "username"
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_api_conflict_names_the_username_and_its_field(admin, admin_user):
    taken = admin_user.username.upper()
    response = admin.post(URL, {"username": taken, "password": PASSWORD}, format="json")
    assert response.status_code == 409
    message = f"The username {taken!r} is already taken."
    assert response.json() == {
        "code": "username_taken",
        "message": message,
        "fields": {"username": [message]},
    }


def test_rename_to_another_users_name_in_other_case_is_refused(db):
    AdminFactory(username="alice")
    bob = AdminFactory(username="bob")
    with pytest.raises(services.UsernameTakenError):
        services.user_update(user=bob, data={"username": "ALICE"})
    assert User.objects.get(pk=bob.pk).username == "bob"


def test_own_username_renamed_only_in_case_is_stored(admin, admin_user):
    response = admin.patch(
        f"{URL}{admin_user.id}/", {"username": admin_user.username.upper()}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["username"] == admin_user.username.upper()
    assert User.objects.get(pk=admin_user.pk).username == admin_user.username.upper()


def test_migration_names_the_accounts_that_differ_only_by_case(db):
    if connection.vendor != "postgresql":
        unavailable("drops the index inside the test's transaction: needs PostgreSQL's DDL")
    migration = importlib.import_module(
        "catalog_service.accounts.migrations.0002_username_unique_ignoring_case"
    )
    apps = SimpleNamespace(get_model=lambda app_label, name: User)
    migration.refuse_usernames_differing_only_by_case(apps, None)  # nothing to refuse yet
    with connection.schema_editor() as editor:  # rolled back with the test's transaction
        editor.remove_constraint(User, User._meta.constraints[0])
    for username in ("alice", "Alice", "bob", "BOB", "carol"):
        User.objects.create_user(username)
    with pytest.raises(RuntimeError) as refused:
        migration.refuse_usernames_differing_only_by_case(apps, None)
    message = str(refused.value)
    assert message.startswith("Usernames must differ by more than case")
    assert "Alice, alice" in message
    assert "BOB, bob" in message
    assert "carol" not in message


# --- the last admin -----------------------------------------------------------------------------


def test_last_admin_edits_their_own_profile(db):
    only = AdminFactory(username="solo")
    data = {"email": "solo@example.org", "first_name": "Solo", "last_name": "Admin"}
    services.user_update_check(user=only, data=data)
    assert services.user_update(user=only, data=data) is only
    stored = User.objects.get(pk=only.pk)
    assert (stored.email, stored.first_name, stored.last_name) == (
        "solo@example.org",
        "Solo",
        "Admin",
    )
    assert stored.is_admin


def test_last_admin_edits_their_own_profile_through_the_api(admin, admin_user):
    response = admin.patch(f"{URL}{admin_user.id}/", {"first_name": "Ada"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["first_name"], response.json()["is_staff"]) == ("Ada", True)
    assert User.objects.get(pk=admin_user.pk).first_name == "Ada"


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"is_staff": False}, {"is_active": False, "is_staff": True}]
)
def test_last_admin_cannot_leave(db, change):
    only = AdminFactory()
    with pytest.raises(services.LastAdminError):
        services.user_update_check(user=only, data=change)
    with pytest.raises(services.LastAdminError) as refused:
        services.user_update(user=only, data=change)
    assert str(refused.value.detail) == (
        "This is the last active admin; create another admin first."
    )
    assert User.objects.get(pk=only.pk).is_admin


@pytest.mark.parametrize("change", [{"is_active": False}, {"is_staff": False}])
def test_an_admin_may_leave_while_another_remains(db, change):
    leaving, _ = AdminFactory(), AdminFactory()
    services.user_update_check(user=leaving, data=change)
    services.user_update(user=leaving, data=change)
    assert not User.objects.get(pk=leaving.pk).is_admin


def test_a_member_is_never_the_last_admin(db):
    member = UserFactory()  # and no admin at all
    services.user_update_check(user=member, data={"is_active": False})
    services.user_update(user=member, data={"is_active": False})
    assert User.objects.get(pk=member.pk).is_active is False


def test_update_check_finds_a_username_taken_in_other_case(db):
    AdminFactory(username="alice")
    bob = AdminFactory(username="bob")
    with pytest.raises(services.UsernameTakenError) as refused:
        services.user_update_check(user=bob, data={"username": "ALICE"})
    assert str(refused.value.detail) == "The username 'ALICE' is already taken."
    services.user_update_check(user=bob, data={"username": "BOB"})  # its own, in other case
    services.user_update_check(user=bob, data={"email": "bob@example.org"})  # no username sent


# --- each field of a change is stored -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "renamed"),
        ("email", "new@example.org"),
        ("first_name", "Grace"),
        ("last_name", "Hopper"),
        ("is_staff", True),
        ("is_active", False),
    ],
)
def test_user_patch_stores_each_field(admin, field, value):
    user = UserFactory(is_staff=False, is_active=True)
    response = admin.patch(f"{URL}{user.id}/", {field: value}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()[field] == value
    assert getattr(User.objects.get(pk=user.pk), field) == value


def test_user_update_stores_every_field_at_once(db):
    AdminFactory()  # so this one may stop being an admin
    user = AdminFactory()
    data = {
        "username": "grace",
        "email": "grace@example.org",
        "first_name": "Grace",
        "last_name": "Hopper",
        "is_staff": False,
        "is_active": False,
        "is_superuser": True,
        "password": PASSWORD,
    }
    assert services.user_update(user=user, data=data) is user
    stored = User.objects.get(pk=user.pk)
    assert {field: getattr(stored, field) for field in data if field != "password"} == {
        field: value for field, value in data.items() if field != "password"
    }
    assert stored.check_password(PASSWORD)


# --- passwords ----------------------------------------------------------------------------------


def test_password_like_the_username_is_refused_on_create_and_update(db):
    with pytest.raises(ValidationError) as refused:
        services.user_create(username="marguerite", password="marguerite1")
    assert refused.value.detail == {"password": ["The password is too similar to the username."]}
    assert not User.objects.filter(username="marguerite").exists()

    user = services.user_create(username="marguerite", password=PASSWORD)
    with pytest.raises(ValidationError) as refused:
        services.user_update(user=user, data={"password": "Marguerite!"})
    assert refused.value.detail == {"password": ["The password is too similar to the username."]}
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_created_account_logs_in_with_its_password(db):
    user = services.user_create(username="newcomer", password=PASSWORD, email="n@example.org")
    stored = User.objects.get(pk=user.pk)
    assert (stored.username, stored.email, stored.is_staff, stored.is_active) == (
        "newcomer",
        "n@example.org",
        True,
        True,
    )
    assert stored.check_password(PASSWORD)
    listing = client_for(stored).get(URL).json()["results"]
    assert "newcomer" in [row["username"] for row in listing]
