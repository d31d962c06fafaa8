"""Every write to EventSeat.

This module is the only code that creates, holds, sells, returns, re-prices or frees event seats
(a test keeps it that way: tests/inventory/test_seat_ownership.py). Publishing and re-pricing
(apps.inventory.publishing), holds (apps.inventory.holds) and checkout and cancellation
(apps.bookings) call these functions. Each one forgets the per-process snapshot of taken seats
(apps.inventory.snapshot) where it frees seats, so that this process never refuses a seat it
has just freed itself.

Where PostgreSQL runs a statement written out (on the hot path, or to do in one statement what
the ORM needs several for), its ORM twin for SQLite (the embedded default) sits right beside it.
Table and column names come from the models' _meta. Lock order, as everywhere: Redis seat locks,
then Hold rows, then EventSeat rows by id.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.errors import InvalidRequest, NotFound, RuleBroken, TooManyRequests
from apps.events.models import Event, PriceTier

from . import areas, seat_map, snapshot
from .availability import (
    AVAILABLE,
    FREE_SEAT_SQL,
    HELD,
    SOLD,
    free_seat_parts_sql,
    free_seat_q,
    is_free,
)
from .models import EventSeat, Hold, Seat

SEATS = EventSeat._meta.db_table
HOLDS = Hold._meta.db_table


# --- Publishing and prices ---------------------------------------------------------------------


def create_event_seats(event: Event, tier_of) -> int:
    """One EventSeat per seat of the event's venue that has none yet, priced by `tier_of(section,
    row)`, numbered in layout order (front to back, then left to right); set-based. Returns
    how many were created.

    The places of standing areas come after every numbered seat, area by area (all places of
    an area share one spot on the map, so section and number order them): apps.inventory.areas
    relies on each area being one run of positions."""
    seats = list(
        Seat.objects.filter(venue_id=event.venue_id)
        .order_by("standing", "y", "x", "section", "number", "id")
        .values_list("id", "section", "row")
    )
    if not seats:
        raise RuleBroken(
            _("The venue has no seats; generate its seat layout first."),
            code="venue_has_no_seats",
        )
    have = dict(EventSeat.objects.filter(event=event).values_list("seat_id", "id"))
    if have:  # a publish that stopped half-way: number those again in the same order
        EventSeat.objects.filter(event=event).update(position=F("position") + len(seats))
        EventSeat.objects.bulk_update(
            [
                EventSeat(id=have[seat_id], position=position)
                for position, (seat_id, _, _) in enumerate(seats)
                if seat_id in have
            ],
            ["position"],
            batch_size=2000,
        )
    created = EventSeat.objects.bulk_create(
        [
            EventSeat(
                event=event,
                seat_id=seat_id,
                price_tier_id=tier_of(section, row),
                position=position,
            )
            for position, (seat_id, section, row) in enumerate(seats)
            if seat_id not in have
        ],
        batch_size=2000,
    )
    snapshot.forget_positions(event.pk)
    areas.forget(event.pk)
    seat_map.forget_layout(event.pk)
    _forget_taken(event.pk)
    return len(created)


def reprice_available(event: Event, tier_of) -> int:
    """Moves the event's available seats to the tier `tier_of(section, row)` gives; returns how
    many changed. Held seats keep their price so that a buyer's total never changes under them,
    sold seats the price their ticket was bought at; a seat being held at this very moment is
    skipped rather than waited for."""
    with transaction.atomic():
        rows = (
            EventSeat.objects.filter(event=event, status=AVAILABLE)
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("id")
            .values_list("id", "seat__section", "seat__row", "price_tier_id")
        )
        by_tier: dict[int, list[int]] = {}
        for seat_id, section, row, current in rows:
            wanted = tier_of(section, row)
            if wanted != current:
                by_tier.setdefault(wanted, []).append(seat_id)
        changed = sum(
            EventSeat.objects.filter(id__in=ids, status=AVAILABLE).update(price_tier_id=tier_id)
            for tier_id, ids in by_tier.items()
        )
    seat_map.forget_layout(event.pk)
    return changed


# Whole sentences per status: a status name cannot be dropped into another language's sentence.
_SEAT_TAKEN = {
    HELD: gettext_lazy("This seat is held; its price cannot change now."),
    SOLD: gettext_lazy("This seat is sold; its price cannot change now."),
}


def set_seat_price_tier(*, event_seat_id: int, price_tier_id: int) -> EventSeat:
    """Moves one available seat to another price tier of its event (staff fixing a single seat;
    whole sections go through tier assignments)."""
    with transaction.atomic():
        try:
            seat = EventSeat.objects.select_for_update(of=("self",)).get(pk=event_seat_id)
        except (EventSeat.DoesNotExist, ValueError, TypeError):
            raise NotFound(_("There is no such event seat."), code="event_seat_not_found") from None
        if not PriceTier.objects.filter(pk=price_tier_id, event_id=seat.event_id).exists():
            raise InvalidRequest(
                _("Choose a price tier of this event."),
                fields={"price_tier": [_("Not a price tier of this event.")]},
            )
        if seat.status != AVAILABLE:
            raise RuleBroken(
                str(_SEAT_TAKEN[seat.status]),
                code="seat_not_available",
            )
        EventSeat.objects.filter(pk=seat.pk).update(price_tier_id=price_tier_id)
        seat.price_tier_id = price_tier_id
    seat_map.forget_layout(seat.event_id)
    return seat


# --- Holding -----------------------------------------------------------------------------------

# PostgreSQL: a new hold and the move of its seats are one statement, the hold's INSERT in a CTE
# that the seats' UPDATE points at (half a hold cannot exist even inside the transaction).
_NEW_HOLD_CTE = f"""
new_hold AS (
    INSERT INTO {HOLDS}
        (id, event_id, user_id, status, expires_at, extensions, created_at, updated_at)
    SELECT %(hold)s, %(event)s, %(user)s, '{Hold.Status.ACTIVE}', %(until)s, 0, %(now)s, %(now)s
    WHERE NOT EXISTS (
        SELECT 1 FROM {HOLDS} r
        WHERE r.user_id = %(user)s AND r.event_id = %(event)s
          AND r.status = '{Hold.Status.RELEASED}' AND r.ended_at > %(cooled_since)s
    )
    RETURNING id
)"""  # noqa: S608 - built from constants only
_HOLD_IT = f"status = '{HELD}', hold_id = (SELECT id FROM new_hold), held_until = %(until)s"  # noqa: S608
# Both statements answer (holds inserted, seats moved): no hold means the buyer released one
# within the cool-down (the index hold_released_recently_idx answers that inside the statement).
_COUNTS = "SELECT (SELECT count(*) FROM new_hold), (SELECT count(*) FROM moved)"

# Chosen seats, already row-locked by the caller: the conditional update, its count checked.
_HOLD_LOCKED_SQL = f"""
WITH {_NEW_HOLD_CTE}, moved AS (
    UPDATE {SEATS} SET {_HOLD_IT}
    WHERE id = ANY(%(ids)s) AND {FREE_SEAT_SQL} AND EXISTS (SELECT 1 FROM new_hold)
    RETURNING 1
)
{_COUNTS}
"""  # noqa: S608 - built from constants only

# Best available: those of the block's seats that are free and not locked by another buyer this
# instant are locked and moved in the same statement; locked seats are skipped, never waited for.
_HOLD_UNLOCKED_SQL = f"""
WITH {_NEW_HOLD_CTE}, locked AS (
    SELECT id FROM {SEATS}
    WHERE id = ANY(%(ids)s) AND {FREE_SEAT_SQL}
    ORDER BY id
    FOR UPDATE SKIP LOCKED
), moved AS (
    UPDATE {SEATS} s SET {_HOLD_IT}
    FROM locked WHERE s.id = locked.id AND EXISTS (SELECT 1 FROM new_hold)
    RETURNING 1
)
{_COUNTS}
"""  # noqa: S608 - built from constants only


def hold_cooldown(seconds: float) -> TooManyRequests:
    """Anti-hoarding: a buyer who released a hold waits HOLD_COOLDOWN_SECONDS before holding
    seats for the same event again, so releasing and re-holding cannot keep seats forever."""
    wait = max(1, int(seconds))
    return TooManyRequests(
        _("You released seats for this event a moment ago; you can hold seats again in %(wait)s s.")
        % {"wait": wait},
        code="hold_cooldown",
        retry_after=wait,
    )


def hold_free_seats(user, event: Event, ids: list[int], db_now, *, locked: bool):
    """Creates an active hold for the buyer and moves to it those of `ids` that are free;
    returns (hold, how many seats moved): the caller refuses anything short of all of them by
    rolling back. `locked`: the caller row-locked the seats already (chosen seats); otherwise
    seats another transaction has locked are skipped (best available). In the caller's
    transaction."""
    expires_at = db_now + timedelta(minutes=event.hold_minutes)
    cooldown = settings.TICKETING["HOLD_COOLDOWN_SECONDS"]
    cooled_since = db_now - timedelta(seconds=cooldown)
    if connection.vendor != "postgresql":
        # SQLite serialises writers: nothing to lock or skip, the conditional move is enough.
        released = Hold.objects.filter(
            user=user, event=event, status=Hold.Status.RELEASED, ended_at__gt=cooled_since
        )
        if cooldown > 0 and released.exists():
            raise hold_cooldown(cooldown)
        hold = Hold.objects.create(user=user, event=event, expires_at=expires_at)
        moved = (
            EventSeat.objects.filter(id__in=ids)
            .filter(free_seat_q())
            .update(status=HELD, hold=hold, held_until=expires_at)
        )
        return hold, moved
    hold = Hold(
        id=uuid.uuid4(),
        user=user,
        event=event,
        expires_at=expires_at,
        created_at=db_now,
        updated_at=db_now,
    )
    params = {
        "hold": hold.id,
        "event": event.pk,
        "user": user.pk,
        "until": expires_at,
        "now": db_now,
        "ids": ids,
        "cooled_since": cooled_since,
    }
    with connection.cursor() as cursor:
        cursor.execute(_HOLD_LOCKED_SQL if locked else _HOLD_UNLOCKED_SQL, params)
        inserted, moved = cursor.fetchone()
    if not inserted:
        raise hold_cooldown(cooldown)
    hold._state.adding = False
    hold._state.db = connection.alias
    return hold, moved


# A standing area: the first `quantity` free places of the area's run that no other buyer is
# locking this instant are locked, the hold inserted (only if there are that many, and the buyer
# is not in the cool-down) and the places moved, in one statement on the database clock.
# Concurrent buyers so take different places instead of queueing on the same ones. The
# candidates are the first few free places of each part of the free-seat rule, each read by an
# index walk in position order that stops after `window` rows: one walk over the whole run
# filtering out sold places cost 26 ms at the end of a 20,000-place sale, this costs the same
# whatever the area's size. More candidates than buyers can be locking at once.
PLACE_CANDIDATES = 128
_HOLD_PLACES_SQL = f"""
WITH candidates AS (
    (SELECT id, position FROM {SEATS}
     WHERE event_id = %(event)s AND status = '{AVAILABLE}'
       AND position BETWEEN %(first)s AND %(last)s{{tier}}
     ORDER BY position LIMIT %(window)s)
    UNION ALL
    (SELECT id, position FROM {SEATS}
     WHERE event_id = %(event)s AND status = '{HELD}' AND held_until <= statement_timestamp()
       AND position BETWEEN %(first)s AND %(last)s{{tier}}
     ORDER BY position LIMIT %(window)s)
), picked AS (
    SELECT es.id FROM {SEATS} es JOIN candidates c ON c.id = es.id
    WHERE (({{available}}) OR ({{ran_out}}))
    ORDER BY c.position
    LIMIT %(quantity)s
    FOR UPDATE OF es SKIP LOCKED
), new_hold AS (
    INSERT INTO {HOLDS}
        (id, event_id, user_id, status, expires_at, extensions, created_at, updated_at)
    SELECT %(hold)s, %(event)s, %(user)s, '{Hold.Status.ACTIVE}',
           statement_timestamp() + %(minutes)s * interval '1 minute', 0,
           statement_timestamp(), statement_timestamp()
    WHERE (SELECT count(*) FROM picked) = %(quantity)s AND NOT EXISTS (
        SELECT 1 FROM {HOLDS} r
        WHERE r.user_id = %(user)s AND r.event_id = %(event)s
          AND r.status = '{Hold.Status.RELEASED}'
          AND r.ended_at > statement_timestamp() - %(cooldown)s * interval '1 second'
    )
    RETURNING id, expires_at, created_at
), moved AS (
    UPDATE {SEATS} s SET status = '{HELD}', hold_id = h.id, held_until = h.expires_at
    FROM picked, new_hold h WHERE s.id = picked.id
    RETURNING s.id, s.seat_id, s.price_tier_id
)
SELECT (SELECT count(*) FROM picked), h.expires_at, h.created_at,
       m.id, st.section, st.row, st.number, st.x, st.y, t.price, t.name
FROM (SELECT 1) AS one
LEFT JOIN new_hold h ON true
LEFT JOIN moved m ON true
LEFT JOIN {Seat._meta.db_table} st ON st.id = m.seat_id
LEFT JOIN {PriceTier._meta.db_table} t ON t.id = m.price_tier_id
ORDER BY m.id
"""  # noqa: S608 - built from constants only


def hold_free_places(user, event: Event, first: int, count: int, quantity: int, tier_id=None):
    """Holds `quantity` free places among the `count` positions from `first` on (a standing
    area), of the tier `tier_id` if given. Returns (hold, lines), where lines are (event seat
    id, section, row, number, x, y, price, tier name) of the places moved, or (None, [])
    when fewer than `quantity` were free and not being taken by someone else this instant.
    In the caller's transaction."""
    cooldown = settings.TICKETING["HOLD_COOLDOWN_SECONDS"]
    if connection.vendor != "postgresql":
        return _hold_free_places_orm(user, event, first, count, quantity, tier_id, cooldown)
    available, ran_out = free_seat_parts_sql("es")
    sql = _HOLD_PLACES_SQL.format(
        available=available,
        ran_out=ran_out,
        tier=" AND price_tier_id = %(tier)s" if tier_id else "",
    )
    hold_id = uuid.uuid4()
    params = {
        "hold": hold_id,
        "event": event.pk,
        "user": user.pk,
        "first": first,
        "last": first + count - 1,
        "quantity": quantity,
        "window": quantity + PLACE_CANDIDATES,
        "tier": tier_id,
        "minutes": event.hold_minutes,
        "cooldown": cooldown,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    picked, expires_at, created_at = rows[0][:3]
    if picked < quantity:
        return None, []
    if expires_at is None:
        raise hold_cooldown(cooldown)
    hold = Hold(
        id=hold_id,
        user=user,
        event=event,
        expires_at=expires_at,
        created_at=created_at,
        updated_at=created_at,
    )
    hold._state.adding = False
    hold._state.db = connection.alias
    return hold, [row[3:] for row in rows]


def _hold_free_places_orm(user, event, first, count, quantity, tier_id, cooldown):
    # SQLite serialises writers: nothing to lock or skip.
    places = EventSeat.objects.filter(
        event=event, position__gte=first, position__lt=first + count
    ).filter(free_seat_q())
    if tier_id:
        places = places.filter(price_tier_id=tier_id)
    ids = list(places.order_by("position").values_list("id", flat=True)[:quantity])
    if len(ids) < quantity:
        return None, []
    hold, moved = hold_free_seats(user, event, ids, timezone.now(), locked=True)
    if moved != quantity:
        raise RuntimeError("places changed while SQLite was serialising writers")
    lines = (
        EventSeat.objects.filter(id__in=ids)
        .order_by("id")
        .values_list(
            "id",
            "seat__section",
            "seat__row",
            "seat__number",
            "seat__x",
            "seat__y",
            "price_tier__price",
            "price_tier__name",
        )
    )
    return hold, list(lines)


def lock_held_seats(hold: Hold) -> datetime:
    """Row-locks the hold's seats in id order (the caller has the hold row-locked) and returns
    the database clock after the hold's lock: this statement's start (Now() is PostgreSQL's
    statement_timestamp()), not that of the statement that waited for the hold's lock."""
    rows = list(
        EventSeat.objects.filter(hold=hold, status=HELD)
        .select_for_update(of=("self",))
        .order_by("id")
        .annotate(db_now=Now())
        .values_list("db_now", flat=True)
    )
    return rows[0] if rows else timezone.now()


def extend_held_seats(hold: Hold, until: datetime) -> int:
    """The hold's seats are held until `until` (the caller has the hold row-locked)."""
    return EventSeat.objects.filter(hold=hold, status=HELD).update(held_until=until)


def free_seats_of_holds(event_id: int, hold_ids: list) -> int:
    """The seats these holds still have go back on sale (the caller has the holds row-locked,
    or is ending them in the same transaction)."""
    freed = EventSeat.objects.filter(hold_id__in=hold_ids, status=HELD).update(
        status=AVAILABLE, hold=None, held_until=None
    )
    _forget_taken(event_id)
    return freed


# --- Selling and returning ---------------------------------------------------------------------


def lock_seats_for_sale(hold: Hold, seat_ids: list[int]) -> bool:
    """Row-locks the seats in id order and tells whether they can all be sold to this hold:
    each is still the hold's, or free again (its hold ran out and nobody took it since). The
    seat rows themselves decide, not the hold: they are what another buyer could have taken.
    In the caller's transaction, with the hold row-locked."""
    rows = list(
        EventSeat.objects.filter(id__in=seat_ids)
        .select_for_update(of=("self",))
        .order_by("id")
        .annotate(db_now=Now())
        .values_list("status", "hold_id", "held_until", "db_now")
    )
    return len(rows) == len(set(seat_ids)) and all(
        (status == HELD and hold_id == hold.pk) or is_free(status, held_until, db_now)
        for status, hold_id, held_until, db_now in rows
    )


def sell(seat_ids: list[int]) -> None:
    """Marks the seats sold; the caller checked under row locks that they can be."""
    sold = (
        EventSeat.objects.filter(id__in=seat_ids)
        .exclude(status=SOLD)
        .update(status=SOLD, hold=None, held_until=None)
    )
    if sold != len(seat_ids):
        raise RuntimeError("seat rows changed under their row locks")


def return_sold(event_id: int, seat_ids: list[int]) -> int:
    """Sold seats go back on sale (a cancelled booking); row-locked in id order first, as every
    writer of seat rows does. In the caller's transaction."""
    list(
        EventSeat.objects.filter(id__in=seat_ids)
        .select_for_update(of=("self",))
        .order_by("id")
        .values_list("id", flat=True)
    )
    returned = EventSeat.objects.filter(id__in=seat_ids, status=SOLD).update(status=AVAILABLE)
    _forget_taken(event_id)
    return returned


def _forget_taken(event_id: int) -> None:
    """Nobody is refused these seats from the taken-seat snapshot any more."""
    snapshot.forget(event_id)


# --- The sweep ---------------------------------------------------------------------------------

_EXPIRE_SQL = f"""
WITH due AS (
    SELECT id FROM {HOLDS}
    WHERE status = '{Hold.Status.ACTIVE}' AND expires_at <= now()
    ORDER BY expires_at
    LIMIT %s
    FOR UPDATE SKIP LOCKED
), ended AS (
    UPDATE {HOLDS} h SET status = '{Hold.Status.EXPIRED}', ended_at = now()
    FROM due WHERE h.id = due.id
    RETURNING h.id
), freed AS (
    UPDATE {SEATS} s SET status = '{AVAILABLE}', hold_id = NULL, held_until = NULL
    WHERE s.status = '{HELD}' AND s.hold_id IN (SELECT id FROM ended)
    RETURNING s.id
)
SELECT (SELECT count(*) FROM ended), (SELECT count(*) FROM freed)
"""  # noqa: S608 - built from constants only


def expire_due_holds(batch_size: int) -> tuple[int, int]:
    """Ends up to `batch_size` holds whose time has passed and frees their seats; returns
    (holds, seats). Holds another transaction has locked are left for the next run."""
    if connection.vendor == "postgresql":
        # One statement: atomic on its own, and its row locks last only as long as it runs.
        with connection.cursor() as cursor:
            cursor.execute(_EXPIRE_SQL, [batch_size])
            holds, seats = cursor.fetchone()
            return holds, seats
    # SQLite has no data-modifying CTEs: the same in three statements.
    with transaction.atomic():
        due = list(
            Hold.objects.filter(status=Hold.Status.ACTIVE, expires_at__lte=Now())
            .order_by("expires_at")
            .values_list("id", flat=True)[:batch_size]
        )
        if not due:
            return 0, 0
        holds = Hold.objects.filter(id__in=due, status=Hold.Status.ACTIVE).update(
            status=Hold.Status.EXPIRED, ended_at=Now()
        )
        seats = EventSeat.objects.filter(hold_id__in=due, status=HELD).update(
            status=AVAILABLE, hold=None, held_until=None
        )
        return holds, seats
