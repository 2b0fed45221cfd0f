from rest_framework import serializers

from .text import single_line_validator


class TrimmedCharField(serializers.CharField):
    """One line of text: trims surrounding spaces, refuses a value that is blank once trimmed
    and control characters or line breaks anywhere (core.text)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", False)
        validators = list(kwargs.get("validators", ()))
        if single_line_validator not in validators:  # a model field may bring it already
            validators.append(single_line_validator)
        kwargs["validators"] = validators
        kwargs["trim_whitespace"] = True
        super().__init__(**kwargs)
