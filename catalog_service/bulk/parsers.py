from django.conf import settings
from rest_framework.parsers import BaseParser

from .imports import FileTooLargeError


class CSVUploadParser(BaseParser):
    """A CSV body, as bytes (the import checks its encoding). Read up to IMPORT_MAX_BYTES: a
    client that sends more than it declared is cut off there."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        content = stream.read(settings.IMPORT_MAX_BYTES + 1) if stream is not None else b""
        if len(content) > settings.IMPORT_MAX_BYTES:
            raise FileTooLargeError(f"The file is larger than {settings.IMPORT_MAX_BYTES} bytes.")
        return {"file": content}
