from io import StringIO

from django.core.management import call_command

from catalog_service.accounts.models import User


def run() -> str:
    out = StringIO()
    call_command("create_admin", "--username", "boss", "--email", "boss@example.com", stdout=out)
    return out.getvalue()


def test_create_admin_uses_password_from_environment(db, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "from-the-environment-1")
    output = run()
    user = User.objects.get(username="boss")
    assert user.is_staff and user.is_superuser and user.is_active
    assert user.check_password("from-the-environment-1")
    assert "from-the-environment-1" not in output


def test_create_admin_generates_and_prints_password_once(db, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    output = run()
    password = output.split("Password (shown once): ")[1].strip()
    assert User.objects.get(username="boss").check_password(password)
    second = run()
    assert "already exists" in second
    assert password not in second
    assert User.objects.filter(username="boss").count() == 1


def test_create_admin_with_a_username_taken_in_another_case_changes_nothing(db, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "from-the-environment-1")
    run()
    out = StringIO()
    call_command("create_admin", "--username", "BOSS", "--email", "x@example.com", stdout=out)
    assert "already exists" in out.getvalue()
    assert list(User.objects.values_list("username", flat=True)) == ["boss"]
