"""Rules for text that must stay on one line, and for identifiers that must look unique.

A SKU or a name ends up in mail subjects, CSV cells and log lines: a line break or a control
character there breaks them or worse. An identifier (SKU, brand name) that differs from another
only by an invisible character or a compatibility form (`SKU-1` and `SKU-1` + a zero-width space,
full-width letters) would let two look-alike records coexist.
"""

import unicodedata

from django.core.exceptions import ValidationError

# Control characters (C0, DEL, C1: CR, LF, TAB, NUL, ...), and line and paragraph separators.
_NOT_ON_ONE_LINE = frozenset(("Cc", "Zl", "Zp"))
_INVISIBLE = "Cf"  # format characters: zero-width space and joiners, BOM, bidirectional marks


def single_line_validator(value: str) -> None:
    """Refuses control characters and line breaks (a Django validator: forms and DRF run it)."""
    if value.isprintable():  # the fast lane: most values are plain text
        return
    if any(unicodedata.category(char) in _NOT_ON_ONE_LINE for char in value):
        raise ValidationError(
            "Control characters and line breaks are not allowed.", code="control_characters"
        )


def identifier_normalized(value: str) -> str:
    """NFKC, without invisible format characters, trimmed: what makes two identifiers the same."""
    if value.isascii() and value.isprintable():  # already normal
        return value.strip()
    value = unicodedata.normalize("NFKC", value)
    return "".join(char for char in value if unicodedata.category(char) != _INVISIBLE).strip()


def header_safe(value: str) -> str:
    """One line of text for a header (a mail subject), whatever the data: every run of
    whitespace or control characters becomes one space."""
    return " ".join("".join(char if char.isprintable() else " " for char in value).split())
