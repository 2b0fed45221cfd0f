"""CSV that a spreadsheet opens as data, never as formulas (OWASP's CSV injection rule)."""

import csv
import io
from collections.abc import Iterable

# A text cell starting with one of these is run as a formula by Excel, LibreOffice, Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value):
    """The value, with a text cell that a spreadsheet would run prefixed by `'` (shown as text).
    Numbers are left alone: -2 is data, not a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(columns: list[str], rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([cell_safe(column) for column in columns])
    writer.writerows([cell_safe(value) for value in row] for row in rows)
    return buffer.getvalue()
