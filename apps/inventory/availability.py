"""The rule of the seat-hold protocol that everything else rests on: a seat is free when it is
available, or held by a hold whose time has passed (swept or not). Written once, in the forms it
is needed in, side by side. The clock is always the database's (in Python, the
database clock read together with the rows, or as close to it as the caller has), so that every
process agrees on when a hold ends."""

from datetime import datetime

from django.db.models import Q
from django.db.models.functions import Now

from .models import EventSeat

AVAILABLE, HELD, SOLD = EventSeat.Status.AVAILABLE, EventSeat.Status.HELD, EventSeat.Status.SOLD


def free_seat_parts() -> tuple[Q, Q]:
    """The ORM form in its two parts, for reads that want each to walk an index of its own."""
    return Q(status=AVAILABLE), Q(status=HELD, held_until__lte=Now())


def free_seat_q() -> Q:
    """The ORM form."""
    available, ran_out = free_seat_parts()
    return available | ran_out


def free_seat_parts_sql(alias: str) -> tuple[str, str]:
    """The SQL form in its two parts (PostgreSQL), on the seat table as `alias`."""
    return (
        f"{alias}.status = '{AVAILABLE}'",
        f"{alias}.status = '{HELD}' AND {alias}.held_until <= statement_timestamp()",
    )


# The SQL form, for statements on the seat table with no alias.
FREE_SEAT_SQL = (
    f"(status = '{AVAILABLE}' OR (status = '{HELD}' AND held_until <= statement_timestamp()))"
)


def is_free(status: str, held_until: datetime | None, now: datetime) -> bool:
    """The Python form."""
    return status == AVAILABLE or (status == HELD and held_until <= now)
