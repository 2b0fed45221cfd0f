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
    try:
        return orjson.dumps(data, default=_default)
    except TypeError:
        # Keys that are not strings (DRF's errors of a list's items are keyed by index): as
        # json.dumps, turned into strings. Not the default: it makes every dump slower.
        return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


class ORJSONRenderer(BaseRenderer):
    """JSON through orjson: the same output as DRF's renderer, rendered several times faster."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else json_bytes(data)
