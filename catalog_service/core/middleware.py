from django.conf import settings
from django.http import JsonResponse

from . import health
from .errors import error_body
from .logging import request_id_from, request_id_var

PROBES = {"/healthz": health.healthz, "/readyz": health.readyz}


class ProbeMiddleware:
    """Answers /healthz and /readyz first, before the Host check: orchestrators probe by IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        return probe(request) if probe else self.get_response(request)


class RequestIdMiddleware:
    """Gives every request an id, logged on each line and returned as X-Request-ID."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        # Not reset afterwards: Django logs a failed request's line after the middleware returns,
        # and the next request on this thread sets its own id first anyway.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class RequestBodyLimitMiddleware:
    """Refuses a body larger than MAX_REQUEST_BODY_BYTES with 413 before anything reads it.

    Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only when `request.body` is read; the JSON parser
    reads the stream directly, so the limit is checked here, on the declared length.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if self.limit is not None and length > self.limit:
            return JsonResponse(
                error_body(
                    "request_too_large",
                    f"The request body is larger than the limit of {self.limit} bytes.",
                ),
                status=413,
            )
        return self.get_response(request)
