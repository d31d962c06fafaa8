"""The refusals a hold request can get, each spelled once, whichever layer decides it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.common.errors import Conflict

from ..models import Hold

# Whole sentences per status: a status name cannot be dropped into another language's sentence.
_HOLD_ENDED = {
    Hold.Status.RELEASED: gettext_lazy("This hold is already released."),
    Hold.Status.EXPIRED: gettext_lazy("This hold is already expired."),
    Hold.Status.CONVERTED: gettext_lazy("This hold is already converted to booking."),
}


class StaleHoldInTheWay(Exception):
    """The buyer's previous hold on this event has run out but is still marked active (the
    sweeper has not reached it yet); hold_seats expires it and tries once more."""


class BlockBusy(Exception):
    """Best available: another buyer has part of this block right now; try the next block."""


def seats_unavailable(seats: list[int] | None = None) -> Conflict:
    extra = {} if seats is None else {"seats": seats}
    return Conflict(
        _("Sorry, some of these seats have just been taken."), code="seats_unavailable", **extra
    )


def seat_busy(seats: list[int]) -> Conflict:
    return Conflict(
        _("Someone else is taking one of these seats right now. Pick other seats."),
        code="seat_busy",
        retryable=True,
        seats=seats,
    )


def active_hold_exists(hold_id) -> Conflict:
    return Conflict(
        _("You already hold seats for this event. Complete or release that hold first."),
        code="active_hold_exists",
        hold=str(hold_id) if hold_id else None,
    )


def no_block(quantity: int, section) -> Conflict:
    # Whole sentences, with and without a section, so that each language can order its words.
    if section:
        detail = ngettext(
            "There is no block of %(quantity)s adjacent free seat in section %(section)s. "
            "Try fewer seats, another section, or pick seats on the map.",
            "There is no block of %(quantity)s adjacent free seats in section %(section)s. "
            "Try fewer seats, another section, or pick seats on the map.",
            quantity,
        ) % {"quantity": quantity, "section": section}
    else:
        detail = ngettext(
            "There is no block of %(quantity)s adjacent free seat. "
            "Try fewer seats, another section, or pick seats on the map.",
            "There is no block of %(quantity)s adjacent free seats. "
            "Try fewer seats, another section, or pick seats on the map.",
            quantity,
        ) % {"quantity": quantity}
    return Conflict(detail, code="no_adjacent_seats")


def ensure_active(hold: Hold) -> None:
    """Release and extend act on active holds only."""
    if hold.status != Hold.Status.ACTIVE:
        raise Conflict(str(_HOLD_ENDED[hold.status]), code="hold_not_active")
