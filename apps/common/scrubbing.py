"""Card numbers out of logs and error reports (defence in depth: the shop never logs one, and
with a real gateway never receives one). A card number is 12 to 19 digits, maybe grouped by
spaces or dashes, that pass the Luhn check; it becomes [card]."""

import re

CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){11,18}\d(?!\d)")
MASK = "[card]"
# Fields whose values never go into a report, whatever they hold.
SECRET_FIELDS = {"card_number", "number", "cvc", "cvv", "exp_month", "exp_year", "client_secret"}


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def mask_cards(text: str) -> str:
    def replace(match):
        digits = re.sub(r"[ -]", "", match.group())
        return MASK if _luhn(digits) else match.group()

    return CARD_LIKE.sub(replace, text)


def scrub(value):
    """The same structure with card numbers masked and secret fields blanked."""
    if isinstance(value, str):
        return mask_cards(value)
    if isinstance(value, dict):
        return {
            k: ("[Filtered]" if str(k).lower() in SECRET_FIELDS else scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(scrub(v) for v in value)
    return value
