from django.conf import settings
from django.http import JsonResponse

from .errors import error_body


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
