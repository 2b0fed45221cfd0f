import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

from . import health, metrics
from .errors import error_body, unknown_path
from .exceptions import ServiceUnavailableError
from .logging import request_id_from, request_id_var, request_trace_id_var
from .tracing import trace_id_current

logger = logging.getLogger(__name__)

PROBES = {"/healthz": health.healthz, "/readyz": health.readyz}
# Methods counted under their own name; any other a client sends counts as "other".
_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


class ProbeMiddleware:
    """Answers /healthz and /readyz first, before the Host check: orchestrators probe by IP.
    Their answers carry the same security headers as every other."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = (SecurityMiddleware(get_response), XFrameOptionsMiddleware(get_response))
        # Prometheus scrapes pods by address too.
        self.probes = {**PROBES, "/metrics": health.metrics} if settings.METRICS_ENABLED else PROBES

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        response = probe(request)
        for middleware in self.headers:
            response = middleware.process_response(request, response)
        return response


class RequestIdMiddleware:
    """Gives every request an id, logged on each line and returned as X-Request-ID (and, when
    tracing, the trace's id beside it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        # Not reset afterwards: Django logs a failed request's line after the middleware returns,
        # and the next request on this thread sets its own id first anyway.
        request_id_var.set(request_id)
        request_trace_id_var.set(trace_id_current())
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class MetricsMiddleware:
    """Counts and times every request by method, route and status. The route is the URL pattern
    that answered (`/api/v1/product/{id}/`), never the path: clients cannot add series."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = request.resolver_match
        if match is None or match.func is unknown_path:
            route = metrics.UNMATCHED
        else:
            route = metrics.route_label(match.route)
        method = request.method if request.method in _METHODS else "other"
        metrics.HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
        metrics.HTTP_REQUEST_DURATION.labels(method, route).observe(elapsed)
        return response


class RequestGuardMiddleware:
    """Refuses what nothing could read, before anything tries: a body larger than
    MAX_REQUEST_BODY_BYTES (413) and a charset that is not a text encoding (415).

    Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only when `request.body` is read; the JSON parser
    reads the stream directly, so the limit is checked here, on the declared length, before the
    view runs. A view may raise it for itself (`max_request_body_bytes`: the CSV import).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def __call__(self, request):
        refused = getattr(request, "charset_refused", None)  # core.wsgi.Request
        if refused is not None:
            return JsonResponse(
                error_body(
                    "unsupported_media_type", f"The charset {refused!r} is not a text encoding."
                ),
                status=415,
            )
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Once the view is known (every path has one, the JSON 404 included): a view that takes
        # files (an import) names its own, larger limit.
        view_class = getattr(view_func, "cls", None)
        return self._too_large(request, getattr(view_class, "max_request_body_bytes", self.limit))

    @staticmethod
    def _too_large(request, limit: int | None) -> JsonResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return JsonResponse(
                error_body(
                    "request_too_large",
                    f"The request body is larger than the limit of {limit} bytes.",
                ),
                status=413,
            )
        return None


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached answers the same 503 JSON from the views outside DRF
    (the anonymous fast paths, the Django admin) as DRF's exception handler does in its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning("database unavailable: %s", exception)
        error = ServiceUnavailableError
        body = error_body(error.default_code, str(error.default_detail))
        return JsonResponse(body, status=503, headers={"Retry-After": "5"})
