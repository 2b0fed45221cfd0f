import json
import logging

from catalog_service.core.logging import JsonFormatter, RequestIdFilter, request_id_var


def test_every_response_has_a_request_id(anon, db):
    first = anon.get("/api/v1/brand/")["X-Request-ID"]
    second = anon.get("/api/v1/brand/")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_request_id_from_the_proxy_is_kept_when_sane(anon, db):
    assert anon.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    forged = anon.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert forged != "bad id\nwith newline"


def test_probes_answer_whatever_the_host(anon, db):
    health = anon.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = anon.get("/readyz", HTTP_HOST="10.0.0.7:8000")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    refused = anon.get("/api/v1/brand/", HTTP_HOST="evil.example.com")
    assert refused.status_code == 400
    assert refused.json() == {"code": "bad_request", "message": "Bad request."}


def test_json_log_lines_carry_the_request_id():
    token = request_id_var.set("req-42")
    try:
        record = logging.LogRecord(
            "catalog", logging.WARNING, __file__, 1, "hello %s", ("x",), None
        )
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello x"
    assert line["request_id"] == "req-42"
    assert line["level"] == "WARNING"
