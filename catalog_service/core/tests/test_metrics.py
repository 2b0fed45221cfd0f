"""GET /metrics: request figures labelled by URL pattern, the bearer token, scrape-time gauges."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from catalog_service.core.metrics import UNMATCHED, route_label


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one scrape."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def requests_of(figures, route: str, status: str = "200", method: str = "GET") -> float:
    labels = (("method", method), ("route", route), ("status", status))
    return figures.get(("catalog_http_requests_total", labels), 0.0)


@pytest.mark.parametrize(
    ("route", "label"),
    [
        ("api/v1/product/<int:pk>/", "/api/v1/product/{id}/"),
        ("api/v1/product/<int:product_id>/views/", "/api/v1/product/{product_id}/views/"),
        ("api/v1/^brand/(?P<pk>[^/.]+)/$", "/api/v1/brand/{id}/"),
        ("api/v1/^stock/movement/$", "/api/v1/stock/movement/"),
        ("healthz", "/healthz"),
    ],
)
def test_route_label_is_the_url_pattern(route, label):
    assert route_label(route) == label


def test_requests_are_counted_by_url_pattern_never_by_path(anon, product):
    before = scrape(anon)
    for _ in range(3):
        assert anon.get(f"/api/v1/product/{product.id}/?utm=spam").status_code == 200
    anon.get("/api/v1/brand/999999/")
    anon.get("/no/such/path/12345")
    after = scrape(anon)

    detail = "/api/v1/product/{id}/"
    assert requests_of(after, detail) - requests_of(before, detail) == 3
    assert (
        requests_of(after, "/api/v1/brand/{id}/", "404")
        - requests_of(before, "/api/v1/brand/{id}/", "404")
        == 1
    )
    assert requests_of(after, UNMATCHED, "404") - requests_of(before, UNMATCHED, "404") == 1
    routes = {dict(labels).get("route") for name, labels in after if name.startswith("catalog_")}
    assert not {route for route in routes if route and ("9999" in route or "utm" in route)}
    histogram = (
        "catalog_http_request_duration_seconds_count",
        (("method", "GET"), ("route", detail)),
    )
    assert after[histogram] - before.get(histogram, 0) == 3
    views = ("catalog_product_views_total", ())
    assert after[views] - before.get(views, 0) == 3


def test_metrics_token_requires_the_bearer(anon, settings):
    settings.METRICS_TOKEN = "s3cret-metrics"
    refused = anon.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert anon.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    scrape(anon, HTTP_AUTHORIZATION="Bearer s3cret-metrics")


def test_metrics_answer_any_host(anon):
    """Prometheus scrapes pods by address, which ALLOWED_HOSTS does not list."""
    assert anon.get("/metrics", HTTP_HOST="10.1.2.3:8000").status_code == 200


def test_cache_lookups_are_counted_by_result(anon, product, cached):
    before = scrape(anon)
    anon.get(f"/api/v1/product/{product.id}/")  # a miss fills the cache
    anon.get(f"/api/v1/product/{product.id}/")
    after = scrape(anon)

    def delta(result):
        key = ("catalog_cache_requests_total", (("result", result),))
        return after.get(key, 0) - before.get(key, 0)

    assert (delta("miss"), delta("hit"), delta("error")) == (1, 1, 0)
    assert after[("catalog_view_counts_unflushed", ())] >= 1  # the hit counted in Redis


def test_notification_outbox_counts_what_is_still_to_send(anon, admin_user, product, settings):
    from catalog_service.accounts.tests.factories import AdminFactory
    from catalog_service.notifications.models import ProductChangeEvent

    AdminFactory.create_batch(3)
    ProductChangeEvent.objects.create(
        product_id=product.id,
        product_sku=product.sku,
        product_name=product.name,
        action="updated",
        changes={},
        actor=admin_user,
        actor_username=admin_user.username,
        fanned_out_at=None,
    )
    figures = scrape(anon)
    assert figures[("catalog_outbox_pending", (("kind", "notification"),))] == 3
    assert figures[("catalog_outbox_oldest_age_seconds", (("kind", "notification"),))] >= 0
