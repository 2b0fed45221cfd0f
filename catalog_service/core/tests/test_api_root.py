"""The API's first link, `/api/v1/`, and the JSON 404 of every path nothing serves."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.test import Client
from django.urls import resolve

from catalog_service.core.errors import unknown_path

ROOT = Path(__file__).resolve().parents[3]


def test_api_root_links_every_resource_and_the_docs(anon):
    response = anon.get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"resources", "docs"}
    assert body["resources"] == {
        "product": "http://testserver/api/v1/product/",
        "product_feed": "http://testserver/api/v1/product/feed/",
        "brand": "http://testserver/api/v1/brand/",
        "user": "http://testserver/api/v1/user/",
        "event": "http://testserver/api/v1/event/",
        "notification": "http://testserver/api/v1/notification/",
        "report_views": "http://testserver/api/v1/report/views/",
        "token": "http://testserver/api/v1/token/",
        "token_refresh": "http://testserver/api/v1/token/refresh/",
        "token_verify": "http://testserver/api/v1/token/verify/",
        "token_blacklist": "http://testserver/api/v1/token/blacklist/",
        "csrf": "http://testserver/api/v1/csrf/",
        "product_history": "http://testserver/api/v1/product/{id}/history/",
        "product_views": "http://testserver/api/v1/product/{id}/views/",
    }
    assert body["docs"] == {
        "swagger_ui": "http://testserver/docs/",
        "redoc": "http://testserver/redoc/",
        "schema": "http://testserver/api/schema/",
    }


def test_every_link_of_the_api_root_is_served(anon):
    body = anon.get("/api/v1/").json()
    for url in [*body["resources"].values(), *body["docs"].values()]:
        path = urlsplit(url.replace("{id}", "1")).path
        assert resolve(path).func is not unknown_path, url


def test_api_root_links_to_the_host_and_scheme_clients_used(anon, settings):
    settings.ALLOWED_HOSTS = ["catalog.example.com"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = anon.get("/api/v1/", HTTP_HOST="catalog.example.com", HTTP_X_FORWARDED_PROTO="https")
    assert response.json()["docs"]["swagger_ui"] == "https://catalog.example.com/docs/"


def test_api_root_answers_anyone_even_with_a_bad_token(anon):
    anon.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert anon.get("/api/v1/").status_code == 200


def test_api_root_is_in_the_committed_schema():
    schema = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert schema["paths"]["/api/v1/"]["get"]["operationId"] == "api_root"


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/nothing-here", "/", "/api/v2/"])
def test_unknown_paths_answer_the_json_404_with_debug_on_or_off(anon, settings, debug, path):
    settings.DEBUG = debug
    response = anon.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_unknown_paths_answer_the_json_404_to_every_method(db, settings):
    settings.DEBUG = True
    client = Client(enforce_csrf_checks=True)  # a browser's session: no CSRF failure first
    for method in ("post", "put", "patch", "delete", "options"):
        response = getattr(client, method)("/api/v1/nothing-here/")
        assert response.status_code == 404, method
        assert response.json()["code"] == "not_found", method


@pytest.mark.parametrize("debug", [True, False])
def test_a_path_missing_its_slash_still_redirects_to_it(anon, settings, debug):
    settings.DEBUG = debug
    response = anon.get("/api/v1/product?page=2")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/product/?page=2"
    assert anon.get("/api/v1/nothing-here").status_code == 404


def test_known_paths_are_unchanged(anon, db):
    assert anon.get("/api/v1/product/").status_code == 200
    assert anon.get("/api/v1/product/999999/").json()["code"] == "not_found"
    admin_site = anon.get("/admin/nothing-here/")  # the admin's own catch-all: log in first
    assert admin_site.status_code == 302
    assert admin_site["Location"].startswith("/admin/login/")
    assert anon.get("/healthz").status_code == 200
