"""Layers 2 and 3 of the seat-hold protocol for chosen seats: the claim under PostgreSQL row
locks (the guarantee), and the translation of the constraint that backs it up.

One short transaction row-locks the event seats in id order, decides from the locked rows' own
columns and the database clock (joined columns keep their pre-lock snapshot under READ
COMMITTED, so they are for the response only), then writes the hold and moves the seats with a
conditional update whose row count is checked (apps.inventory.seats.hold_free_seats). Layer 3 is
the partial unique index "one active hold per buyer and event" and the seat table's own
constraints: `one_hold_per_buyer` turns the index's refusal into the buyer's answer."""

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from apps.common import metrics
from apps.common.errors import InvalidRequest
from apps.events.models import Event, PriceTier

from .. import seats, snapshot
from ..models import EventSeat, Hold, Seat, place_label
from .refusals import StaleHoldInTheWay, active_hold_exists, seats_unavailable

logger = logging.getLogger("apps.inventory.holds")


@dataclass(frozen=True)
class SeatLine:
    """An event seat as a hold's response shows it (and as the claim read it)."""

    id: int
    section: str
    row: str
    number: int
    x: float
    y: float
    price: Decimal
    tier: str
    standing: bool = False  # a place in a general-admission area

    def shown(self) -> dict:
        return {
            "id": self.id,
            "section": self.section,
            "row": self.row,
            "number": self.number,
            "standing": self.standing,
            "label": place_label(self.section, self.row, self.number, self.standing),
            "price": self.price,
            "tier": self.tier,
        }


# The fields of a SeatLine after its id, as ORM lookups from EventSeat.
SEAT_LINE_LOOKUPS = {
    "section": F("seat__section"),
    "row": F("seat__row"),
    "number": F("seat__number"),
    "x": F("seat__x"),
    "y": F("seat__y"),
    "price": F("price_tier__price"),
    "tier": F("price_tier__name"),
}


@dataclass(frozen=True)
class LockedSeat:
    status: str
    held_until: datetime | None
    line: SeatLine


@dataclass(frozen=True)
class LockedChoice:
    seats: list[LockedSeat]  # in id order
    db_now: datetime | None
    live_hold_id: object  # the buyer's live hold on the event, or None


# The chosen seats, row-locked in id order, with what the response shows and, in the same
# statement, the buyer's live hold on the event if any (an uncorrelated subquery: evaluated
# once). Written out because it runs for every hold request of a rush and the ORM's compilation
# of it cost more CPU than PostgreSQL spends running it; its ORM twin is the SQLite branch below.
_LOCK_CHOSEN_SQL = f"""
SELECT es.status, es.held_until,
       es.id, s.section, s.row, s.number, s.x, s.y, t.price, t.name,
       statement_timestamp(),
       (SELECT h.id FROM {Hold._meta.db_table} h
        WHERE h.user_id = %(user)s AND h.event_id = %(event)s
          AND h.status = '{Hold.Status.ACTIVE}' AND h.expires_at > statement_timestamp()
        LIMIT 1)
FROM {EventSeat._meta.db_table} es
JOIN {Seat._meta.db_table} s ON s.id = es.seat_id
JOIN {PriceTier._meta.db_table} t ON t.id = es.price_tier_id
WHERE es.event_id = %(event)s AND es.id = ANY(%(ids)s)
ORDER BY es.id
FOR UPDATE OF es
"""  # noqa: S608 - built from constants only


def lock_chosen_seats(user, event: Event, ids: list[int]) -> LockedChoice:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_CHOSEN_SQL, {"user": user.pk, "event": event.pk, "ids": ids})
            rows = cursor.fetchall()
        if not rows:
            return LockedChoice([], None, None)
        locked = [LockedSeat(r[0], r[1], SeatLine(*r[2:10])) for r in rows]
        return LockedChoice(locked, rows[0][10], rows[0][11])
    # SQLite (the embedded default) serialises writers; select_for_update is a no-op there.
    rows = list(
        EventSeat.objects.filter(event=event, id__in=ids)
        .select_for_update(of=("self",))
        .order_by("id")
        .annotate(db_now=Now(), **SEAT_LINE_LOOKUPS)
        .values_list("status", "held_until", "id", *SEAT_LINE_LOOKUPS, "db_now")
    )
    locked = [LockedSeat(r[0], r[1], SeatLine(*r[2:10])) for r in rows]
    return LockedChoice(locked, rows[0][10] if rows else None, live_hold_of(user, event))


def claim_chosen_seats(user, event: Event, ids: list[int]) -> Hold:
    """Layer 2 for chosen seats (`ids` sorted): every one of them, or a refusal."""
    with one_hold_per_buyer(user, event), transaction.atomic(durable=True):
        choice = lock_chosen_seats(user, event, ids)
        if choice.live_hold_id is not None:
            raise active_hold_exists(choice.live_hold_id)
        if len(choice.seats) != len(ids):
            unknown = sorted(set(ids) - {seat.line.id for seat in choice.seats})
            raise InvalidRequest(
                _("Some seats are not part of this event."), code="invalid_seats", seats=unknown
            )
        taken = [
            seat.line.id
            for seat in choice.seats
            if not seats.is_free(seat.status, seat.held_until, choice.db_now)
        ]
        if taken:
            raise seats_unavailable(taken)
        hold, moved = seats.hold_free_seats(user, event, ids, choice.db_now, locked=True)
        if moved != len(ids):
            raise seats_unavailable()  # cannot happen under our row locks: refuse, never half-hold
    return created(hold, user, event, [seat.line for seat in choice.seats], "chosen")


def live_hold_of(user, event: Event):
    """The id of the buyer's live hold on the event, or None."""
    return (
        Hold.objects.filter(user=user, event=event, status=Hold.Status.ACTIVE, expires_at__gt=Now())
        .values_list("id", flat=True)
        .first()
    )


@contextmanager
def one_hold_per_buyer(user, event: Event):
    """Layer 3: the partial unique index refused the new hold, so the buyer has an active one
    already; told apart by what is in the table, not by the error's text (SQLite's names no
    constraint)."""
    try:
        yield
    except IntegrityError:
        active = (
            Hold.objects.filter(user=user, event=event, status=Hold.Status.ACTIVE)
            .annotate(live=ExpressionWrapper(Q(expires_at__gt=Now()), BooleanField()))
            .values_list("id", "live")
            .first()
        )
        if active is None:
            raise
        hold_id, live = active
        if not live:
            raise StaleHoldInTheWay from None
        raise active_hold_exists(hold_id) from None


def created(hold: Hold, user, event: Event, lines: list[SeatLine], mode: str) -> Hold:
    """The new hold, carrying what its response shows (event, seat lines) so that the caller
    need not read it back; in this process's snapshot at once."""
    ids = [line.id for line in lines]
    snapshot.remember(event.pk, user.pk, ids, hold.expires_at)
    hold.event = event
    lines = sorted(lines, key=lambda line: (line.section, line.y, line.x))  # as the map reads
    hold.seat_lines = [line.shown() for line in lines]
    metrics.HOLDS_CREATED.labels(mode).inc()
    logger.info(
        "hold created hold=%s event=%s user=%s seats=%s mode=%s expires_at=%s",
        hold.id,
        event.id,
        user.pk,
        ids,
        mode,
        hold.expires_at.isoformat(),
    )
    return hold
