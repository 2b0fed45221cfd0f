"""Django's WSGI handler, with a request that survives a charset Django cannot decode text with."""

from django.core.handlers.wsgi import WSGIHandler, WSGIRequest


class Request(WSGIRequest):
    """Django takes any codec Python knows as the request's encoding (`charset=rot13` too), then
    fails with LookupError while building the request, before any middleware could answer. Here
    such a charset is set aside as `charset_refused`, for RequestGuardMiddleware to answer 415."""

    charset_refused: str | None = None

    def _set_content_type_params(self, meta):
        try:
            super()._set_content_type_params(meta)  # decodes the query string, if any
            if self._encoding:
                b"-".decode(self._encoding)  # without one, nothing was decoded yet
        except LookupError:
            self.charset_refused, self._encoding = self._encoding, None
            self.__dict__.pop("GET", None)


class Handler(WSGIHandler):
    request_class = Request
