"""One predicate decides "anonymous" (core.permissions.is_anonymous): what is counted, throttled
per address and answered by the anonymous read path, whatever credentials a request carries."""

import pytest
from django.test import Client

from catalog_service.analytics import counters
from catalog_service.analytics.models import ProductDailyViews

URL = "/api/v1/product/"


def views(product) -> int:
    counters.counts_flush()
    row = ProductDailyViews.objects.filter(product_id=product.id).first()
    return row.views if row else 0


@pytest.mark.parametrize("cache", [True, False])
def test_credentials_decide_what_is_counted(admin_user, product, settings, redis_db, cache):
    settings.VIEW_COUNTING = "redis"
    settings.PRODUCT_CACHE_SECONDS = 300 if cache else 0
    url = f"{URL}{product.id}/"
    browser = Client()
    assert browser.get(url).status_code == 200  # anonymous: counted
    assert browser.get(url, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").status_code == 200  # ignored
    browser.cookies["sessionid"] = "not-a-session"
    assert browser.get(url).status_code == 200  # a stale session is anonymous: counted
    assert views(product) == 3
    browser.force_login(admin_user)  # a logged-in session: the admin's representation
    response = browser.get(url)
    assert response.status_code == 200
    assert "views" in response.json()
    assert browser.get(url, HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    assert views(product) == 3
