"""Account changes made in the Django admin keep the rules of the API (accounts.services)."""

import pytest

from catalog_service.accounts.models import User
from catalog_service.accounts.tests.factories import PASSWORD, AdminFactory, UserFactory

USERS = "/admin/accounts/user/"
LAST_ADMIN = "This is the last active admin; create another admin first."


@pytest.fixture
def site(client, admin_user):
    client.force_login(admin_user)
    return client


def change_form(user, **changes) -> dict:
    """The change form as a browser posts it; a ticked box is present, an unticked one absent."""
    form = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else None,
        "is_staff": "on" if user.is_staff else None,
        "is_superuser": "on" if user.is_superuser else None,
        # Editable in Django's stock form: sent so that form saves when nothing else stops it.
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        **changes,
    }
    return {key: value for key, value in form.items() if value is not None}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("unticked", ["is_active", "is_staff"])
def test_admin_form_refuses_to_deactivate_or_demote_the_last_admin(site, admin_user, unticked):
    AdminFactory(is_active=False)  # an inactive admin does not count
    response = site.post(
        f"{USERS}{admin_user.id}/change/", change_form(admin_user, **{unticked: None})
    )
    assert response.status_code == 200
    assert LAST_ADMIN in response.context["adminform"].form.non_field_errors()
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.is_staff


def test_admin_form_deactivates_an_admin_when_another_remains(site, admin_user):
    other = AdminFactory()
    response = site.post(f"{USERS}{other.id}/change/", change_form(other, is_active=None))
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.is_active is False and other.is_staff is True


def test_admin_form_username_taken_ignoring_case_is_a_form_error(site, admin_user):
    member = UserFactory()
    form = change_form(member, username=admin_user.username.upper())
    response = site.post(f"{USERS}{member.id}/change/", form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["username"]
    assert errors == [f"The username {admin_user.username.upper()!r} is already taken."]
    member.refresh_from_db()
    assert member.username != admin_user.username.upper()


def test_admin_delete_view_refuses_the_last_admin(site, admin_user):
    response = site.post(f"{USERS}{admin_user.id}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"{USERS}{admin_user.id}/change/"
    assert LAST_ADMIN in messages_of(response)
    assert User.objects.filter(pk=admin_user.pk, is_active=True, is_staff=True).exists()


def test_admin_bulk_delete_refuses_to_remove_every_active_admin(site, admin_user):
    other, member = AdminFactory(), UserFactory()
    action = {
        "action": "delete_selected",
        "post": "yes",
        "_selected_action": [admin_user.pk, other.pk, member.pk],
    }
    response = site.post(USERS, action, follow=True)
    assert response.status_code == 200
    assert LAST_ADMIN in messages_of(response)
    assert not any("Successfully deleted" in m for m in messages_of(response))
    # All or nothing: the member selected with them is kept too.
    assert set(User.objects.values_list("pk", flat=True)) == {admin_user.pk, other.pk, member.pk}


def test_admin_bulk_delete_removes_accounts_when_an_admin_remains(site, admin_user):
    other, member = AdminFactory(), UserFactory()
    action = {"action": "delete_selected", "post": "yes", "_selected_action": [other.pk, member.pk]}
    response = site.post(USERS, action, follow=True)
    assert response.status_code == 200
    assert "Successfully deleted 2 users." in messages_of(response)
    assert list(User.objects.values_list("pk", flat=True)) == [admin_user.pk]


def test_admin_add_form_creates_an_account_that_can_log_in(site, client):
    form = {"username": "carol", "password1": "n3w-Passphrase!", "password2": "n3w-Passphrase!"}
    response = site.post(f"{USERS}add/", form)
    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert carol.check_password("n3w-Passphrase!")
    assert (carol.is_active, carol.is_staff) == (True, False)  # as Django's admin always did


def test_admin_password_change_runs_the_validators_and_revokes_tokens(site, admin_user):
    from conftest import client_for

    other = AdminFactory()
    api = client_for(other)
    url = f"{USERS}{other.id}/password/"
    weak = site.post(url, {"password1": "password", "password2": "password"})
    assert weak.status_code == 200
    assert "This password is too common." in weak.context["form"].errors["password2"]
    other.refresh_from_db()
    assert other.check_password(PASSWORD)

    strong = site.post(url, {"password1": "n3w-Passphrase!", "password2": "n3w-Passphrase!"})
    assert strong.status_code == 302
    other.refresh_from_db()
    assert other.check_password("n3w-Passphrase!")
    assert api.get("/api/v1/user/").json()["code"] == "password_changed"


def test_admin_password_form_cannot_disable_password_login(site, admin_user):
    form = {"usable_password": "false", "password1": "", "password2": "", "unset-password": "1"}
    response = site.post(f"{USERS}{admin_user.id}/password/", form)
    assert response.status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.has_usable_password() and admin_user.check_password(PASSWORD)


def test_admin_own_password_change_goes_through_the_service(site, admin_user, monkeypatch):
    from catalog_service.accounts import services

    calls = []
    original = services.user_update
    monkeypatch.setattr(
        services, "user_update", lambda **kw: calls.append(sorted(kw["data"])) or original(**kw)
    )
    form = {
        "old_password": PASSWORD,
        "new_password1": "n3w-Passphrase!",
        "new_password2": "n3w-Passphrase!",
    }
    response = site.post("/admin/password_change/", form)
    assert response.status_code == 302
    assert response["Location"] == "/admin/password_change/done/"
    assert calls == [["password"]]
    admin_user.refresh_from_db()
    assert admin_user.check_password("n3w-Passphrase!")
    assert site.get("/admin/").status_code == 200  # still logged in with the new password
