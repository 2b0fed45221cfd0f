import pytest

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.notifications.models import Delivery
from conftest import client_for


@pytest.fixture
def history(admin_user, brand, django_capture_on_commit_callbacks, smtp_server):
    """alice creates, updates and deletes a product; admin_user and bob receive notifications."""
    alice = AdminFactory(username="alice")
    AdminFactory(username="bob")
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        product_id = client.post(
            "/api/v1/product/", {"sku": "H-1", "name": "Hi-Fi", "price": "10.00", "brand": brand.id}
        ).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/api/v1/product/{product_id}/", {"price": "12.00", "name": "Hi-Fi 2"})
    return product_id


def test_product_history_lists_changes_newest_first(admin, history):
    response = admin.get(f"/api/v1/product/{history}/history/")
    assert response.status_code == 200
    events = response.json()["results"]
    assert [e["action"] for e in events] == ["updated", "created"]
    assert events[0]["actor"] == "alice"
    assert events[0]["changes"] == {
        "price": {"old": "10.00", "new": "12.00"},
        "name": {"old": "Hi-Fi", "new": "Hi-Fi 2"},
    }


def test_deleted_product_history_through_the_event_list(
    admin, history, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.delete(f"/api/v1/product/{history}/").status_code == 204
    assert admin.get(f"/api/v1/product/{history}/history/").json()["count"] == 3
    events = admin.get("/api/v1/event/", {"product": history}).json()["results"]
    assert [e["action"] for e in events] == ["deleted", "updated", "created"]
    assert events[0]["changes"]["sku"] == {"old": "H-1", "new": None}


def test_history_of_unknown_product_is_404(admin, db):
    response = admin.get("/api/v1/product/999999/history/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_notification_list_shows_status_and_attempts(admin, history):
    body = admin.get("/api/v1/notification/", {"status": "sent"}).json()
    assert body["count"] == 4  # 2 changes x 2 recipients
    row = body["results"][0]
    assert set(row) >= {"id", "event", "channel", "address", "status", "attempts", "last_error"}
    assert (row["channel"], row["status"], row["attempts"]) == ("smtp", "sent", 1)
    assert row["event"]["product_sku"] == "H-1"


def test_failed_delivery_can_be_resent(
    admin, history, smtp_server, django_capture_on_commit_callbacks
):
    delivery = Delivery.objects.first()
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", last_error="boom", attempts=8)
    before = len(smtp_server.inbox.messages)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/api/v1/notification/{delivery.pk}/resend/")
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert len(smtp_server.inbox.messages) == before + 1


def test_only_failed_delivery_can_be_resent(admin, history):
    delivery = Delivery.objects.first()
    response = admin.post(f"/api/v1/notification/{delivery.pk}/resend/")
    assert response.status_code == 409
    assert response.json()["code"] == "delivery_not_failed"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/event/"),
        ("get", "/api/v1/notification/"),
        ("get", "/api/v1/product/1/history/"),
        ("post", "/api/v1/notification/1/resend/"),
    ],
)
def test_history_and_notifications_are_for_admins_only(anon, member, method, path, db):
    refused = [getattr(anon, method)(path), getattr(member, method)(path)]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [
        (401, "not_authenticated"),
        (403, "permission_denied"),
    ]
    assert all("results" not in r.json() for r in refused)


def test_patch_that_sends_the_unchanged_price_records_nothing(admin, history):
    for _ in range(2):  # 19.99 has no exact binary form: a float read back would differ
        response = admin.patch(f"/api/v1/product/{history}/", {"price": "19.99"})
        assert response.status_code == 200
        assert response.json()["price"] == "19.99"
    events = admin.get(f"/api/v1/product/{history}/history/").json()["results"]
    assert len(events) == 3
    assert events[0]["changes"] == {"price": {"old": "12.00", "new": "19.99"}}
