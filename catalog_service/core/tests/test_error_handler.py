"""The one error shape, branch by branch and in-process: each failure an API view may meet becomes
its status, code, message and headers, and the ones operators must see are logged."""

import json
import logging

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from django.test import RequestFactory
from rest_framework import exceptions

from catalog_service.core import errors
from catalog_service.core.exceptions import ConflictError

UNAVAILABLE = {
    "code": "service_unavailable",
    "message": "The service is temporarily unavailable; try again shortly.",
}
SERVER_ERROR = {"code": "server_error", "message": "A server error occurred."}
DENIED = {
    "code": "permission_denied",
    "message": "You do not have permission to perform this action.",
}


class Teapot(exceptions.APIException):
    """A status the error shape has no code for."""

    status_code = 418
    default_detail = "I'm a teapot."
    default_code = "error"


def handled(exc) -> tuple[int, dict, dict]:
    response = errors.api_exception_handler(exc, {})
    return response.status_code, response.data, dict(response.items())


def test_django_404_is_not_found():
    assert handled(Http404("no such row"))[:2] == (
        404,
        {"code": "not_found", "message": "Not found."},
    )


def test_django_permission_denied_is_403():
    assert handled(DjangoPermissionDenied("internal reason"))[:2] == (403, DENIED)


def test_integrity_error_is_409_conflict_without_the_database_message():
    status, body, _ = handled(IntegrityError('duplicate key value violates "secret_index"'))
    assert (status, body) == (
        409,
        {"code": "conflict", "message": "The change conflicts with existing data."},
    )


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_database_unreachable_is_503_and_logged_as_a_warning(caplog, error):
    with caplog.at_level(logging.WARNING, logger="catalog_service.core.errors"):
        status, body, _ = handled(error("connection refused"))
    assert (status, body) == (503, UNAVAILABLE)
    (record,) = [r for r in caplog.records if r.name == "catalog_service.core.errors"]
    assert (record.levelname, record.getMessage()) == (
        "WARNING",
        "database unavailable: connection refused",
    )


@pytest.mark.parametrize("exc", [DatabaseError("syntax error"), RuntimeError("secret detail")])
def test_unexpected_error_is_500_and_logged_with_its_traceback(caplog, exc):
    with caplog.at_level(logging.ERROR, logger="catalog_service.core.errors"):
        status, body, _ = handled(exc)
    assert (status, body) == (500, SERVER_ERROR)
    (record,) = [r for r in caplog.records if r.name == "catalog_service.core.errors"]
    assert (record.levelname, record.getMessage()) == ("ERROR", "unhandled error")
    assert record.exc_info[1] is exc


def test_conflict_on_a_field_names_the_field():
    status, body, _ = handled(ConflictError("SKU taken.", field="sku"))
    assert (status, body) == (
        409,
        {"code": "conflict", "message": "SKU taken.", "fields": {"sku": ["SKU taken."]}},
    )
    assert handled(ConflictError("Busy.", code="busy"))[1] == {"code": "busy", "message": "Busy."}


def test_validation_errors_keep_their_fields():
    status, body, _ = handled(exceptions.ValidationError({"name": ["Too long."]}))
    assert (status, body) == (
        400,
        {
            "code": "validation_error",
            "message": "The request contains invalid fields.",
            "fields": {"name": ["Too long."]},
        },
    )
    _, body, _ = handled(exceptions.ValidationError(["The pair is inconsistent."]))
    assert body["fields"] == {"non_field_errors": ["The pair is inconsistent."]}


def test_token_errors_keep_their_code_and_message():
    detail = {"detail": "Token is expired", "code": "token_not_valid", "messages": [{"x": "y"}]}
    status, body, _ = handled(exceptions.AuthenticationFailed(detail))
    assert (status, body) == (401, {"code": "token_not_valid", "message": "Token is expired"})
    assert handled(exceptions.AuthenticationFailed({"messages": []}))[1] == {
        "code": "not_authenticated",
        "message": "",
    }
    assert handled(Teapot({"messages": []}))[1] == {"code": "error", "message": ""}


def test_generic_codes_become_the_status_code():
    assert handled(exceptions.NotFound("Gone.", code="invalid"))[1] == {
        "code": "not_found",
        "message": "Gone.",
    }
    assert handled(exceptions.APIException("Oops.", code="error"))[1]["code"] == "server_error"
    assert handled(Teapot())[1] == {"code": "error", "message": "I'm a teapot."}
    assert handled(exceptions.NotFound([]))[1]["code"] == "not_found"  # no code at all
    assert handled(Teapot([]))[1]["code"] == "error"
    assert handled(exceptions.ParseError("Bad JSON."))[1]["code"] == "parse_error"


def test_authentication_challenge_and_retry_after_headers():
    challenge = exceptions.NotAuthenticated()
    challenge.auth_header = 'Bearer realm="api"'  # set by DRF's view on 401s
    status, body, headers = handled(challenge)
    assert status == 401
    assert body["code"] == "not_authenticated"
    assert headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Retry-After" not in headers

    status, body, headers = handled(exceptions.Throttled(wait=12))
    assert (status, body["code"], headers["Retry-After"]) == (429, "throttled", "12")
    assert "WWW-Authenticate" not in headers


@pytest.mark.parametrize(
    ("codes", "first"),
    [
        ("plain", "plain"),
        (["first", "second"], "first"),
        ({"name": ["required", "blank"], "sku": ["taken"]}, "required"),
        ([{"nested": [{"deep": ["deepest"]}]}], "deepest"),
        ([], None),
        ({}, None),
        ({"name": []}, None),
    ],
)
def test_first_code(codes, first):
    assert errors._first_code(codes) == first


@pytest.mark.parametrize(
    ("handler", "status", "body"),
    [
        (errors.bad_request, 400, {"code": "bad_request", "message": "Bad request."}),
        (errors.permission_denied, 403, DENIED),
        (errors.page_not_found, 404, {"code": "not_found", "message": "Not found."}),
    ],
)
def test_django_level_handlers_answer_the_error_shape(handler, status, body):
    response = handler(RequestFactory().get("/anything"), Exception("internal"))
    assert (response.status_code, json.loads(response.content)) == (status, body)
    assert response["Content-Type"] == "application/json"


def test_django_level_server_error_answers_the_error_shape():
    response = errors.server_error(RequestFactory().get("/anything"))
    assert (response.status_code, json.loads(response.content)) == (500, SERVER_ERROR)
