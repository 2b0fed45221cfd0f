import pytest

from catalog_service.catalog import api as catalog_api


def test_unknown_path_is_json_404(anon, settings):
    settings.DEBUG = False
    response = anon.get("/no/such/page/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_body_over_limit_is_413(admin, settings):
    body = '{"name": "' + "x" * 2_000_000 + '"}'
    response = admin.post("/api/v1/brand/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_unexpected_error_is_json_500_without_traceback(anon, db, monkeypatch):
    def broken():
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(catalog_api, "product_list", broken)
    anon.raise_request_exception = False  # the anonymous read path fails outside DRF: Django's 500
    response = anon.get("/api/v1/product/")
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "message": "A server error occurred."}
    assert b"secret internal detail" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("path", ["/api/v1/product/", "/api/v1/brand/"])
def test_validation_error_shape(admin, path):
    body = admin.post(path, {"name": ""}, format="json").json()
    assert body["code"] == "validation_error"
    assert isinstance(body["message"], str)
    assert isinstance(body["fields"]["name"], list)


def test_throttled_anonymous_reads_are_429_with_retry_after(anon, db, anon_read_rate):
    anon_read_rate("2/min")
    statuses = [anon.get("/api/v1/brand/").status_code for _ in range(3)]
    response = anon.get("/api/v1/brand/")
    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
