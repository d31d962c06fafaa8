"""Numbers typed by people, read by hand. `str.isdigit()` is true for "²" (which `int()` then
refuses) and `int()` reads "٢" (Arabic-Indic) as 2; `str.isdecimal()` still lets "٢" through.
The shop reads ASCII digits only, so what a buyer typed and what we act on never differ."""

import re

from rest_framework import serializers

_ASCII_DIGITS = re.compile(r"[0-9]+")
# What DRF's IntegerField takes from a string: optional sign and spaces, "5.0" for 5.
_ASCII_INTEGER = re.compile(r"\s*[+-]?[0-9]+(\.0*)?\s*")


def is_ascii_digits(text) -> bool:
    """True for a non-empty string of 0-9 only."""
    return isinstance(text, str) and _ASCII_DIGITS.fullmatch(text) is not None


def ascii_int(text, default=None):
    """The whole number `text` spells in ASCII digits (spaces around allowed), else `default`."""
    if isinstance(text, str):
        text = text.strip()
        if _ASCII_DIGITS.fullmatch(text):
            return int(text)
    return default


def is_ascii_integer(text: str) -> bool:
    """True when `text` is an integer as DRF's IntegerField reads one, in ASCII digits only."""
    return _ASCII_INTEGER.fullmatch(text) is not None


class AsciiIntegerField(serializers.IntegerField):
    """DRF's IntegerField, refusing digits other than 0-9 in strings ("٢", "²")."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not is_ascii_integer(data):
            self.fail("invalid")
        return super().to_internal_value(data)
