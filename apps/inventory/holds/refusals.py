"""The refusals a hold request can get, each spelled once, whichever layer decides it."""

from apps.common.errors import Conflict

from ..models import Hold


class StaleHoldInTheWay(Exception):
    """The buyer's previous hold on this event has run out but is still marked active (the
    sweeper has not reached it yet); hold_seats expires it and tries once more."""


class BlockBusy(Exception):
    """Best available: another buyer has part of this block right now; try the next block."""


def seats_unavailable(seats: list[int] | None = None) -> Conflict:
    extra = {} if seats is None else {"seats": seats}
    return Conflict(
        "Sorry, some of these seats have just been taken.", code="seats_unavailable", **extra
    )


def seat_busy(seats: list[int]) -> Conflict:
    return Conflict(
        "Someone else is taking one of these seats right now. Pick other seats.",
        code="seat_busy",
        retryable=True,
        seats=seats,
    )


def active_hold_exists(hold_id) -> Conflict:
    return Conflict(
        "You already hold seats for this event. Complete or release that hold first.",
        code="active_hold_exists",
        hold=str(hold_id) if hold_id else None,
    )


def no_block(quantity: int, section) -> Conflict:
    where = f" in section {section}" if section else ""
    return Conflict(
        f"There is no block of {quantity} adjacent free seats{where}. "
        "Try fewer seats, another section, or pick seats on the map.",
        code="no_adjacent_seats",
    )


def ensure_active(hold: Hold) -> None:
    """Release and extend act on active holds only."""
    if hold.status != Hold.Status.ACTIVE:
        raise Conflict(
            f"This hold is already {hold.get_status_display().lower()}.", code="hold_not_active"
        )
