"""Input found to break the service under attack: each answers a 4xx JSON error (or the usual
503), never a 500, and nothing is half-written."""

import base64

import pytest
import requests
from django.db import connection

from catalog_service.analytics.models import ProductDailyViews
from catalog_service.catalog.models import Product
from testing.services import free_port

URL = "/api/v1/product/"


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if code:
        assert body["code"] == code, body
    return body


@pytest.mark.parametrize("position", ["abc", "1.5", "-1", str(2**63), "1e3"])
def test_forged_feed_cursor_is_404_not_a_failed_query(anon, product, settings, position):
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    for cache_seconds in (0, 300):  # the DRF view and the anonymous fast path
        settings.PRODUCT_CACHE_SECONDS = cache_seconds
        _error(anon.get(f"{URL}feed/", {"cursor": cursor}), 404, "not_found")


def test_json_nested_5000_deep_is_400(anon, db):
    body = '{"username": ' + "[" * 5000 + "]" * 5000 + ', "password": "x"}'
    response = anon.post("/api/v1/token/", body, content_type="application/json")
    _error(response, 400, "parse_error")


def test_charset_that_is_not_a_text_encoding_is_415_on_writes_and_reads(live_api, product):
    # Django fails while building the request: only the server's own handler shows it.
    server = live_api()
    headers = {"Content-Type": "application/json; charset=rot13"}
    responses = [
        requests.post(f"{server.url}{URL}", data='{"sku": "A"}', headers=headers, timeout=10),
        requests.get(f"{server.url}{URL}?search=CD", headers=headers, timeout=10),
        requests.get(f"{server.url}{URL}{product.id}/", headers=headers, timeout=10),
    ]
    for response in responses:
        assert response.status_code == 415, response.text
        assert response.json()["code"] == "unsupported_media_type"
        assert response.headers["X-Request-ID"]
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    "query",
    [
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"to": "0001-01-05"},
        {"from": "9999-12-30", "to": "9999-12-31"},
    ],
)
def test_report_dates_at_the_calendar_edges_answer_200(admin, query):
    response = admin.get("/api/v1/report/views/", query)
    assert response.status_code == 200, response.content
    assert response.json()["totals"] == {"views": 0, "impressions": 0}


def test_anonymous_cached_read_with_the_database_down_is_the_usual_503(
    postgres, redis_db, settings, anon
):
    settings.PRODUCT_CACHE_SECONDS = 300
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        response = anon.get(f"{URL}123/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    body = _error(response, 503, "service_unavailable")
    assert body["message"] == "The service is temporarily unavailable; try again shortly."


@pytest.mark.parametrize("field", ["sku", "name"])
@pytest.mark.parametrize("value", ["EVIL-1\r\nBcc: x@example.com", "A\tB", "A\u2028B", "A\x1bB"])
def test_control_characters_in_single_line_fields_are_refused(admin, brand, field, value):
    data = {"sku": "OK-1", "name": "Fine", "price": "1.00", "brand": brand.id, field: value}
    body = _error(admin.post(URL, data, format="json"), 400, "validation_error")
    assert list(body["fields"]) == [field]
    assert not Product.objects.exists()


def test_control_characters_in_a_brand_name_are_refused(admin, db):
    body = _error(admin.post("/api/v1/brand/", {"name": "X\nY"}, format="json"), 400)
    assert list(body["fields"]) == ["name"]


def test_sku_with_an_invisible_character_or_compatibility_form_is_the_same_sku(admin, product):
    for look_alike in (
        f"{product.sku}\u200b",
        "\uff10\uff10\uff11\uff10\uff15-\uff33\uff2b\uff35",
        f"\ufeff{product.sku}",
    ):
        data = {"sku": look_alike, "name": "Copy", "price": "1.00", "brand": product.brand_id}
        _error(admin.post(URL, data, format="json"), 409, "sku_taken")
    assert Product.objects.count() == 1


def test_negative_zero_price_is_stored_as_zero(admin, brand):
    data = {"sku": "Z-1", "name": "Free", "price": "-0", "brand": brand.id}
    response = admin.post(URL, data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["price"] == "0.00"
    assert str(Product.objects.get().price) == "0.00"


@pytest.mark.parametrize("brand_json", ["{id}.5", '"{id}.5"', "true"])
def test_brand_id_must_be_a_whole_number(admin, brand, brand_json):
    brand_value = brand_json.format(id=brand.id)
    payload = f'{{"sku": "B-1", "name": "N", "price": "1.00", "brand": {brand_value}}}'
    response = admin.post(URL, payload, content_type="application/json")
    body = _error(response, 400, "validation_error")
    assert list(body["fields"]) == ["brand"]
    assert not Product.objects.exists()


def test_html_only_clients_get_406_on_a_cache_hit_as_on_a_miss(anon, product, redis_db, settings):
    settings.PRODUCT_CACHE_SECONDS = 300
    for path in (f"{URL}{product.id}/", URL):
        miss = anon.get(path, HTTP_ACCEPT="text/html")
        assert anon.get(path).status_code == 200  # now cached
        hit = anon.get(path, HTTP_ACCEPT="text/html")
        assert (miss.status_code, hit.status_code) == (406, 406)
    assert ProductDailyViews.objects.filter(product_id=product.id).exists()


def test_probes_carry_the_security_headers(client, db):
    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="10.0.0.7")  # probes come by IP
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
