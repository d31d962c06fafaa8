"""The hold API's request and answer, read and written without DRF serializers.

A rush is thousands of hold requests a second and most are refused in a millisecond or two.
Building a serializer deep-copies its fields per request: reading the request that way was an
eighth of a refusal's CPU, and writing a new hold with HoldSerializer a fifth of a successful
hold's. The schema still describes both with the serializers of apps.inventory.serializers;
tests hold each pair to the same shapes and rules."""

import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.common.parsing import is_ascii_integer

from .selectors import hold_public_status

_DECIMAL_ZEROS = re.compile(r"\.0*\s*$")
_HOLD_FIELDS = {"event", "seats", "quantity", "section", "area", "price_tier"}


def _integer(value, minimum: int, maximum: int | None = None) -> tuple[int | None, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        return None, _("A valid integer is required.")
    if isinstance(value, str):
        if not is_ascii_integer(value):  # "٢" and "²": ASCII digits only
            return None, _("A valid integer is required.")
        value = _DECIMAL_ZEROS.sub("", value)  # "5.0" is 5, as DRF reads it
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except ValueError:
        number = None
    if number is None:
        return None, _("A valid integer is required.")
    # DRF's own messages, word for word: its fields say the same in every language.
    if number < minimum:
        return None, _("Ensure this value is greater than or equal to {min_value}.").format(
            min_value=minimum
        )
    if maximum is not None and number > maximum:
        return None, _("Ensure this value is less than or equal to {max_value}.").format(
            max_value=maximum
        )
    return number, None


def parse_hold_request(data) -> dict:
    """The validated hold request (the keys given, as HoldCreateSerializer would give them), or
    a ValidationError naming each field that is wrong."""
    if not isinstance(data, dict):
        raise serializers.ValidationError(
            {"non_field_errors": [_("Invalid data. Expected a dictionary.")]}
        )
    values, errors = {}, {}
    for name in _HOLD_FIELDS & data.keys():
        value = data[name]
        if value is None:
            errors[name] = [_("This field may not be null.")]
        elif name == "seats":
            if not isinstance(value, list):
                errors[name] = [_("Expected a list of items.")]
            elif not value:
                errors[name] = [_("This list may not be empty.")]
            elif len(value) > 100:
                errors[name] = [
                    _("Ensure this field has no more than {max_length} elements.").format(
                        max_length=100
                    )
                ]
            else:
                parsed = [_integer(item, 1) for item in value]
                wrong = {str(i): [e] for i, (_, e) in enumerate(parsed) if e}
                if wrong:
                    errors[name] = wrong
                else:
                    values[name] = [number for number, _ in parsed]
        elif name in ("section", "area"):
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                errors[name] = [_("Not a valid string.")]
            elif len(str(value).strip()) > 50:
                errors[name] = [
                    _("Ensure this field has no more than {max_length} characters.").format(
                        max_length=50
                    )
                ]
            elif "\x00" in str(value):  # as DRF's CharField: PostgreSQL cannot compare it
                errors[name] = [_("Null characters are not allowed.")]
            else:
                values[name] = str(value).strip()
        else:
            number, error = _integer(value, *({"quantity": (1, 100)}.get(name, (1,))))
            if error:
                errors[name] = [error]
            else:
                values[name] = number
    if "event" not in data:
        errors["event"] = [_("This field is required.")]
    if errors:
        raise serializers.ValidationError(errors)
    if ("seats" in values) == ("quantity" in values):
        raise serializers.ValidationError(
            {
                "non_field_errors": [
                    _("Give either `seats` (event seat ids) or `quantity` (best available).")
                ]
            }
        )
    return values


# Stateless field instances, shared: the same formatting as the serializers' fields.
_DATETIME = serializers.DateTimeField()
_MONEY = serializers.DecimalField(max_digits=10, decimal_places=2)


def hold_document(hold) -> dict:
    """What HoldSerializer makes of a hold that carries `seat_lines` and its event."""
    extensions_left = settings.TICKETING["MAX_HOLD_EXTENSIONS"] - hold.extensions
    return {
        "id": str(hold.id),
        "event": hold.event_id,
        "status": hold_public_status(hold),
        "expires_at": _DATETIME.to_representation(hold.expires_at),
        "extensions": hold.extensions,
        "extensions_left": max(0, extensions_left),
        "seats": [
            {
                "id": line["id"],
                "section": line["section"],
                "row": line["row"],
                "number": line["number"],
                "standing": line["standing"],
                "label": line["label"],
                "price": _MONEY.to_representation(line["price"]),
                "tier": line["tier"],
            }
            for line in hold.seat_lines
        ],
        "total": str(sum((line["price"] for line in hold.seat_lines), start=0)),
        "currency": hold.event.currency,
        "created_at": _DATETIME.to_representation(hold.created_at),
    }
