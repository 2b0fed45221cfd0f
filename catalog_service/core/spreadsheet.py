"""CSV that a spreadsheet opens as data, never as formulas (OWASP's CSV injection rule)."""

import csv
import io
from collections.abc import Iterable

# A text cell starting with one of these is run as a formula by Excel, LibreOffice, Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escaped_form(value: str) -> bool:
    """Starts, after any quotes, like a formula: what cell_safe prefixes with one more `'`."""
    return value.lstrip("'").startswith(_FORMULA_STARTS)


def cell_safe(value):
    """The value, with a text cell that a spreadsheet would run prefixed by `'` (shown as text).
    Numbers are left alone: -2 is data, not a formula. A text that already looks escaped gets
    one more `'`, so cell_unescaped gives back every value exactly."""
    if isinstance(value, str) and _escaped_form(value):
        return "'" + value
    return value


def cell_unescaped(value: str) -> str:
    """The value cell_safe wrote this cell for (a file of ours read back in: an import)."""
    if value.startswith("'") and _escaped_form(value):
        return value[1:]
    return value


def csv_text(columns: list[str], rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([cell_safe(column) for column in columns])
    writer.writerows([cell_safe(value) for value in row] for row in rows)
    return buffer.getvalue()
