"""Amounts as the reader's language writes them: "€80.00" in English, "80,00 €" in German
(Babel's CLDR data), for pages, e-mails and the tickets' PDF. The amount is never rounded
here: a Decimal of the currency's precision comes in, the same digits go out."""

from decimal import Decimal

from babel.numbers import format_currency
from django.utils.translation import get_language, to_locale


def format_money(amount, currency: str, language: str | None = None) -> str:
    """`amount` (Decimal, int or numeric string) in `currency` (ISO 4217), in `language`
    (default: the active one)."""
    if amount is None or amount == "":
        return ""
    locale = to_locale(language or get_language() or "en")
    return format_currency(Decimal(str(amount)), currency, locale=locale)
