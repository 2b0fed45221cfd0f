"""One error shape for the whole API: `{"code": str, "message": str, "fields": {...}}`.

`code` is stable and machine-readable; `fields` is present only for per-field problems.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from .exceptions import ConflictError, ServiceUnavailableError

logger = logging.getLogger(__name__)

STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def _first_code(codes) -> str | None:
    while isinstance(codes, (list, dict)):
        if not codes:
            return None
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes


def exception_body(exc: exceptions.APIException) -> dict:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        return error_body("validation_error", "The request contains invalid fields.", fields)
    if isinstance(exc, ConflictError):
        fields = {exc.field: [str(detail)]} if exc.field else None
        code = _first_code(exc.get_codes()) or "conflict"
        return {**error_body(code, str(detail), fields), **exc.extra}
    if isinstance(detail, dict):
        # simplejwt's token errors: {"detail": ..., "code": ..., "messages": [...]}
        message = str(detail.get("detail", ""))
        code = str(detail.get("code") or STATUS_CODES.get(exc.status_code, "error"))
        return error_body(code, message)
    code = _first_code(exc.get_codes()) or STATUS_CODES.get(exc.status_code, "error")
    if code in ("invalid", "error"):
        code = STATUS_CODES.get(exc.status_code, code)
    return error_body(code, str(detail))


def api_exception_handler(exc, context):
    """DRF exception handler: every failure of an API view becomes the one error shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, IntegrityError):
        exc = ConflictError("The change conflicts with existing data.")
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", exc)
        exc = ServiceUnavailableError()
    elif isinstance(exc, DatabaseError) or not isinstance(exc, exceptions.APIException):
        logger.exception("unhandled error", exc_info=exc)
        set_rollback()
        return Response(
            error_body("server_error", "A server error occurred."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()
    return Response(exception_body(exc), status=exc.status_code, headers=headers)


def _json_error(status_code: int, message: str) -> JsonResponse:
    return JsonResponse(error_body(STATUS_CODES[status_code], message), status=status_code)


# Django-level handlers, for URLs outside DRF views (unknown paths, middleware failures).
def bad_request(request, exception=None):
    return _json_error(400, "Bad request.")


def permission_denied(request, exception=None):
    return _json_error(403, "You do not have permission to perform this action.")


def page_not_found(request, exception=None):
    return _json_error(404, "Not found.")


def server_error(request):
    return _json_error(500, "A server error occurred.")


@csrf_exempt  # it changes nothing: a POST to an unknown path is a 404, not a CSRF failure
def unknown_path(request, *args, **kwargs):
    """The last URL pattern: a path nothing else matches answers the JSON 404, with DEBUG on too
    (Django calls handler404 only with DEBUG off, and shows its HTML page otherwise).

    Matching every path, it also hides the unknown ones from APPEND_SLASH, so it redirects as
    Django's CommonMiddleware would: to the path with a slash, when that one exists."""
    path = request.path_info
    if settings.APPEND_SLASH and not path.endswith("/"):
        try:
            match = resolve(f"{path}/", getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if (
            match
            and match.func is not unknown_path
            and getattr(match.func, "should_append_slash", True)
        ):
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return page_not_found(request)
