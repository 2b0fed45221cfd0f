import json
from decimal import Decimal

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class DecimalJSONParser(JSONParser):
    """JSON parser that reads numbers with a fraction as Decimal, so 12.50 is never a float."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            return json.loads(
                stream.read().decode(encoding),
                parse_float=Decimal,
                parse_constant=self._reject_constant,
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except LookupError as exc:  # a charset that is not a text encoding
            raise ParseError(f"JSON parse error - {exc}") from exc

    @staticmethod
    def _reject_constant(name: str):
        raise ValueError(f"{name} is not a valid JSON number")
