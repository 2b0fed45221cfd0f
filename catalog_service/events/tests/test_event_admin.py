"""Without a broker (`make run`) events are recorded and shown in the Django admin, read-only,
with the waiting ones a filter away."""

import pytest
from django.utils import timezone

from catalog_service.events.models import Event


@pytest.fixture
def admin_site(client, admin_user):
    client.force_login(admin_user)
    return client


def test_events_are_listed_filtered_and_read_only(admin_site, settings, admin, product):
    settings.EVENTS_BROKER_URL = ""
    admin.patch(f"/api/v1/product/{product.pk}/", {"name": "Shown"}, format="json")
    admin.post("/api/v1/brand/", {"name": "Published"}, format="json")
    published = Event.objects.get(type="brand.created")
    Event.objects.filter(pk=published.pk).update(published_at=timezone.now())
    waiting = Event.objects.get(type="product.updated")

    listed = admin_site.get("/admin/events/event/", {"published": "no"}).content.decode()
    assert f'"field-subject">{waiting.subject}<' in listed
    assert f'"field-subject">{published.subject}<' not in listed
    detail = admin_site.get(f"/admin/events/event/{waiting.pk}/change/")
    assert detail.status_code == 200
    assert "Shown" in detail.content.decode()
    assert admin_site.get("/admin/events/event/add/").status_code == 403
    posted = admin_site.post(f"/admin/events/event/{waiting.pk}/delete/", {"post": "yes"})
    assert posted.status_code == 403
    assert Event.objects.filter(pk=waiting.pk).exists()
