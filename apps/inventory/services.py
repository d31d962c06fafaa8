"""The seat-hold protocol (see DESIGN.md): every write to seat inventory goes through here.

Lock order, everywhere: Redis seat locks, then Hold rows, then EventSeat rows ordered by id.
Keeping one order is what makes the sweeper, checkout and new holds unable to deadlock."""

import logging
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Max, Min, Q
from django.db.models.functions import Now
from django.utils import timezone

from apps.common import metrics
from apps.common.errors import Conflict, Gone, InvalidRequest, NotFound, RuleBroken, ShopError
from apps.events.models import Event

from .locks import SeatsBusy, seat_locks
from .models import EventSeat, Hold, Seat

logger = logging.getLogger(__name__)

# Best-available tries this many blocks of one reading of the free seats, and reads again this
# many times, before saying there is no block (in a rush the first reading goes stale fast).
BEST_AVAILABLE_TRIES = 8
BEST_AVAILABLE_ROUNDS = 4


def free_seat_q() -> Q:
    """A seat is free when available, or held by a hold whose time has passed (database clock)."""
    return Q(status=EventSeat.Status.AVAILABLE) | Q(
        status=EventSeat.Status.HELD, held_until__lte=Now()
    )


# Whether an event is on sale changes rarely (staff publish it, cancel it, move its sales
# window), yet every hold needs to know: each process keeps what it read for this long instead of
# reading the event on every hold. Saving an event forgets it at once in the saving process;
# others see the change within the second. Checkout re-reads the event's status, so a hold that
# slips in just after a cancellation can never become a sale.
EVENT_FACTS_SECONDS = 1.0
_EVENT_FACTS_FIELDS = (
    "id",
    "status",
    "starts_at",
    "sales_start",
    "sales_end",
    "hold_minutes",
    "max_seats_per_order",
    "currency",
    "venue_id",
)
_events_read: dict = {}  # event id -> (time.monotonic() when read, Event)


def forget_event_facts(event_id=None):
    """Drops this process's copy of an event's sale facts (of all events when None)."""
    if event_id is None:
        _events_read.clear()
    else:
        _events_read.pop(event_id, None)


def _event_facts(event_id) -> Event:
    now = time.monotonic()
    try:
        read = _events_read.get(event_id)
    except TypeError:  # unhashable: not an id at all
        read = None
    if read is not None and now - read[0] < EVENT_FACTS_SECONDS:
        return read[1]
    try:
        event = Event.objects.only(*_EVENT_FACTS_FIELDS).get(pk=event_id)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise NotFound("There is no such event.", code="event_not_found") from None
    _events_read[event.pk] = (now, event)
    return event


def _event_on_sale(event_id) -> Event:
    event = _event_facts(event_id)
    now = timezone.now()
    sales_end = event.sales_end or event.starts_at
    if (
        event.status != Event.Status.ON_SALE
        or (event.sales_start and now < event.sales_start)
        or now >= sales_end
    ):
        raise RuleBroken("Tickets for this event are not on sale now.", code="event_not_on_sale")
    return event


# The seats of an event that are sold or held, as this process read them at most this long ago.
# A rush ends in a storm of requests for seats that are already gone; those are refused from
# here without a Redis lock or a database transaction. A seat freed within that second by
# another process (a release, a cancelled booking) can be refused once; a seat freed by this
# process is forgotten at once (forget_taken_seats). A hold whose time has passed counts as
# free, as everywhere. Only refusals come from here: a hold is always decided by layer 2.


@dataclass
class _TakenSeats:
    read_at: float  # time.monotonic()
    seats: int  # how many the event has
    until: dict  # seat id -> held until, or None when sold
    holders: set  # buyers with a live hold on the event

    def gone(self, ids: list[int], now) -> list[int]:
        until = self.until
        return [i for i in ids if i in until and (until[i] is None or until[i] > now)]

    def free(self, now) -> int:
        # list() copies in one step under the GIL: another thread may add a hold meanwhile.
        held = list(self.until.values())
        return self.seats - sum(1 for u in held if u is None or u > now)


_taken_read: dict = {}  # event id -> _TakenSeats


def forget_taken_seats(event_id=None):
    if event_id is None:
        _taken_read.clear()
    else:
        _taken_read.pop(event_id, None)


def _remember_taken(hold: Hold, ids: list[int]):
    """A hold made by this process is in its snapshot at once."""
    taken = _taken_read.get(hold.event_id)
    if taken is not None:
        for seat_id in ids:
            taken.until[seat_id] = hold.expires_at
        taken.holders.add(hold.user_id)


def _taken_seats(event: Event) -> _TakenSeats:
    now = time.monotonic()
    taken = _taken_read.get(event.pk)
    if taken is None or now - taken.read_at >= settings.TICKETING["TAKEN_SEATS_SECONDS"]:
        taken = _TakenSeats(read_at=now, seats=0, until={}, holders=set())
        wall_now = timezone.now()
        for seat_id, status, held_until, holder in EventSeat.objects.filter(
            event=event
        ).values_list("id", "status", "held_until", "hold__user_id"):
            taken.seats += 1
            if status == EventSeat.Status.AVAILABLE:
                continue
            taken.until[seat_id] = held_until if status == EventSeat.Status.HELD else None
            if holder is not None and held_until > wall_now:
                taken.holders.add(holder)
        _taken_read[event.pk] = taken
    return taken


def _snapshot_on() -> bool:
    return settings.TICKETING["TAKEN_SEATS_SECONDS"] > 0


def _seats_known_taken(user, event: Event, ids: list[int]) -> list[int]:
    if not _snapshot_on():
        return []
    taken = _taken_seats(event)
    if user.pk in taken.holders:
        return []  # they hold seats here: layer 2 tells them so (active_hold_exists)
    return taken.gone(ids, timezone.now())


def _known_too_few_free(user, event: Event, quantity: int) -> bool:
    """Best available after a sell-out: fewer free seats in the whole event than asked for."""
    if not _snapshot_on():
        return False
    taken = _taken_seats(event)
    return user.pk not in taken.holders and taken.free(timezone.now()) < quantity


def _active_hold_exists(hold_id) -> Conflict:
    return Conflict(
        "You already hold seats for this event. Complete or release that hold first.",
        code="active_hold_exists",
        hold=str(hold_id) if hold_id else None,
    )


def _check_quantity(event: Event, count: int):
    if count < 1:
        raise InvalidRequest("Choose at least one seat.", code="no_seats")
    if count > event.max_seats_per_order:
        raise RuleBroken(
            f"You can hold at most {event.max_seats_per_order} seats per order.",
            code="too_many_seats",
            max_seats=event.max_seats_per_order,
        )


def hold_seats(
    *,
    user,
    event_id,
    event_seat_ids=None,
    quantity=None,
    section=None,
    price_tier_id=None,
) -> Hold:
    """Holds the given event seats, or `quantity` adjacent best-available ones, for this buyer."""
    try:
        return _hold_seats(user, event_id, event_seat_ids, quantity, section, price_tier_id)
    except ShopError as exc:
        metrics.HOLDS_FAILED.labels(exc.code).inc()
        logger.info("hold refused event=%s user=%s code=%s", event_id, user.pk, exc.code)
        raise


def _hold_seats(user, event_id, event_seat_ids, quantity, section, price_tier_id) -> Hold:
    event = _event_on_sale(event_id)
    if (event_seat_ids is None) == (quantity is None):
        raise InvalidRequest("Give either seats or a quantity.", code="seats_or_quantity")
    if event_seat_ids is not None:
        ids = list(event_seat_ids)
        if any(not isinstance(i, int) or isinstance(i, bool) or i < 1 for i in ids):
            raise InvalidRequest("Seat ids must be positive whole numbers.")
        if len(set(ids)) != len(ids):
            raise InvalidRequest("A seat is listed twice.", code="duplicate_seats")
        _check_quantity(event, len(ids))
        ids.sort()

        def hold_them():
            return _hold_chosen_seats(user, event, ids)

    else:
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise InvalidRequest("Quantity must be a whole number.")
        _check_quantity(event, quantity)

        def hold_them():
            return _hold_best_available(user, event, quantity, section, price_tier_id)

    # One live hold per buyer and event: a chosen-seat hold learns of a live one in its seat
    # read, best available when the partial unique index refuses the new hold; no request
    # spends a query of its own on a rule that almost every request passes. A hold that ran out
    # without being swept yet is still marked active: it is expired here and the hold retried.
    try:
        try:
            return hold_them()
        except _StaleHoldInTheWay:
            _expire_stale_holds_of(user, event)
            return hold_them()
    except _StaleHoldInTheWay:
        raise _active_hold_exists(None) from None
    except Conflict as exc:
        # A buyer who already holds seats here is better served by being sent to that hold
        # than by hearing that there is no block (chosen seats: _claim's read has looked).
        if exc.code == "no_adjacent_seats" and (
            not _snapshot_on() or user.pk in _taken_seats(event).holders
        ):
            live = _live_hold_of(user, event)
            if live is not None:
                raise _active_hold_exists(live) from None
        raise


def _hold_chosen_seats(user, event: Event, ids: list[int]) -> Hold:
    taken = _seats_known_taken(user, event, ids)
    if taken:
        raise Conflict(
            "Sorry, some of these seats have just been taken.",
            code="seats_unavailable",
            seats=taken,
        )
    try:
        with seat_locks(event.id, ids):
            return _claim(user, event, ids)
    except SeatsBusy as busy:
        raise Conflict(
            "Someone else is taking one of these seats right now. Pick other seats.",
            code="seat_busy",
            retryable=True,
            seats=busy.busy_ids,
        ) from None


class _StaleHoldInTheWay(Exception):
    """The buyer's previous hold on this event has run out but is still marked active."""


def _live_hold_of(user, event: Event):
    return (
        Hold.objects.filter(user=user, event=event, status=Hold.Status.ACTIVE, expires_at__gt=Now())
        .values_list("id", flat=True)
        .first()
    )


def _expire_stale_holds_of(user, event: Event):
    """Marks the buyer's run-out holds on this event expired and frees their seats (the rare
    path: the sweeper usually gets there first), so that the one-hold rule doesn't block them."""
    with transaction.atomic(durable=True):
        stale = list(
            Hold.objects.filter(
                user=user, event=event, status=Hold.Status.ACTIVE, expires_at__lte=Now()
            )
            .select_for_update()
            .values_list("id", flat=True)
        )
        if stale:
            Hold.objects.filter(id__in=stale).update(
                status=Hold.Status.EXPIRED, ended_at=Now(), version=F("version") + 1
            )
            EventSeat.objects.filter(hold_id__in=stale, status=EventSeat.Status.HELD).update(
                status=EventSeat.Status.AVAILABLE,
                hold=None,
                held_until=None,
                version=F("version") + 1,
            )


class _BlockBusy(Exception):
    """Best-available: another buyer has part of this block right now."""


@contextmanager
def _one_hold_per_buyer(user, event: Event):
    """The partial unique index refused the new hold: the buyer has an active one already."""
    try:
        yield
    except IntegrityError:
        # Told apart by what is in the table, not by the error's text (SQLite's names no
        # constraint).
        active = (
            Hold.objects.filter(user=user, event=event, status=Hold.Status.ACTIVE)
            .annotate(live=ExpressionWrapper(Q(expires_at__gt=Now()), BooleanField()))
            .values_list("id", "live")
            .first()
        )
        if active is None:
            raise
        if not active[1]:
            raise _StaleHoldInTheWay from None
        raise _active_hold_exists(active[0]) from None


def _created(hold: Hold, user, event: Event, lines: list[dict], mode: str) -> Hold:
    """The new hold, carrying what its response shows (event, seat lines), so that the caller
    need not read it back."""
    ids = [line["id"] for line in lines]
    _remember_taken(hold, ids)
    hold.event = event
    lines.sort(key=lambda line: line["order"])  # as the seat map reads: section, row, seat
    hold.seat_lines = [{k: v for k, v in line.items() if k != "order"} for line in lines]
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


# What a hold's response shows of each seat, in _seat_line's order.
_SEAT_LINE_FIELDS = (
    "seat__section",
    "seat__row",
    "seat__number",
    "seat__x",
    "seat__y",
    "price_tier__price",
    "price_tier__name",
)


def _seat_line(seat_id, section, row, number, x, y, price, tier) -> dict:
    return {
        "id": seat_id,
        "section": section,
        "row": row,
        "number": number,
        "price": price,
        "tier": tier,
        "order": (section, y, x),
    }


def _move_free_seats_to(hold: Hold, ids: list[int]) -> int:
    """The conditional update: only seats still free move; the caller checks the count."""
    return (
        EventSeat.objects.filter(id__in=ids)
        .filter(free_seat_q())
        .update(
            status=EventSeat.Status.HELD,
            hold=hold,
            held_until=hold.expires_at,
            version=F("version") + 1,
        )
    )


# PostgreSQL: a new hold and the move of its seats are one statement, the hold's INSERT in a
# CTE that the seats' UPDATE points at (half a hold cannot exist even inside the transaction).
_NEW_HOLD_CTE = """
new_hold AS (
    INSERT INTO inventory_hold
        (id, event_id, user_id, status, expires_at, extensions, version, created_at, updated_at)
    VALUES (%(hold)s, %(event)s, %(user)s, 'active', %(until)s, 0, 1, %(now)s, %(now)s)
    RETURNING id
)"""

# Chosen seats, already row-locked by the caller: the conditional update, its count checked.
_HOLD_CHOSEN_SQL = f"""
WITH {_NEW_HOLD_CTE}
UPDATE inventory_eventseat
SET status = 'held', hold_id = (SELECT id FROM new_hold), held_until = %(until)s,
    version = version + 1
WHERE id = ANY(%(ids)s)
  AND (status = 'available' OR (status = 'held' AND held_until <= statement_timestamp()))
"""  # noqa: S608 - built from constants only


def _new_hold_with_seats(user, event: Event, ids: list[int], db_now, sql: str) -> tuple[Hold, int]:
    """Creates the hold and moves to it those of `ids` that are free; returns the hold and how
    many seats moved (the caller refuses anything short of all of them)."""
    expires_at = db_now + timedelta(minutes=event.hold_minutes)
    if connection.vendor != "postgresql":  # SQLite: the same in two ORM statements
        hold = Hold.objects.create(user=user, event=event, expires_at=expires_at)
        return hold, _move_free_seats_to(hold, ids)
    hold = Hold(
        id=uuid.uuid4(),
        user=user,
        event=event,
        expires_at=expires_at,
        created_at=db_now,
        updated_at=db_now,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "hold": hold.id,
                "event": event.pk,
                "user": user.pk,
                "until": expires_at,
                "now": db_now,
                "ids": ids,
            },
        )
        moved = cursor.rowcount
    hold._state.adding = False
    hold._state.db = connection.alias
    return hold, moved


# The seat rows of a chosen-seat hold, row-locked in id order, with what the response shows and,
# in the same statement, the buyer's live hold on the event if any (an uncorrelated subquery:
# evaluated once). Written out because it runs for every hold request of a rush and the ORM's
# compilation of it cost more CPU than PostgreSQL spends running it; the ORM spelling of the
# same read is the SQLite branch of _lock_seat_rows.
_LOCK_SEATS_SQL = """
SELECT es.id, es.status, es.held_until, s.section, s.row, s.number, s.x, s.y, t.price, t.name,
       statement_timestamp(),
       (SELECT h.id FROM inventory_hold h
        WHERE h.user_id = %(user)s AND h.event_id = %(event)s AND h.status = 'active'
          AND h.expires_at > statement_timestamp()
        LIMIT 1)
FROM inventory_eventseat es
JOIN inventory_seat s ON s.id = es.seat_id
JOIN events_pricetier t ON t.id = es.price_tier_id
WHERE es.event_id = %(event)s AND es.id = ANY(%(ids)s)
ORDER BY es.id
FOR UPDATE OF es
"""


def _lock_seat_rows(user, event: Event, ids: list[int]):
    """(rows, database clock, the buyer's live hold id or None), rows being (id, status,
    held_until, section, row, number, x, y, price, tier name) in id order, row-locked."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SEATS_SQL, {"user": user.pk, "event": event.pk, "ids": ids})
            rows = cursor.fetchall()
        if not rows:
            return [], None, None
        return [row[:10] for row in rows], rows[0][10], rows[0][11]
    # SQLite (the embedded default) serialises writers; select_for_update is a no-op there.
    rows = list(
        EventSeat.objects.filter(event=event, id__in=ids)
        .select_for_update(of=("self",))
        .order_by("id")
        .annotate(db_now=Now())
        .values_list("id", "status", "held_until", *_SEAT_LINE_FIELDS, "db_now")
    )
    db_now = rows[0][10] if rows else None
    return [row[:10] for row in rows], db_now, _live_hold_of(user, event)


def _claim(user, event: Event, ids: list[int]) -> Hold:
    """Layer 2: under row locks taken in id order, check every seat is free and move them all to
    a new hold. Availability is decided from the locked rows' own columns and the database
    clock only (joined columns would keep their pre-lock snapshot)."""
    with _one_hold_per_buyer(user, event), transaction.atomic(durable=True):
        # The joined seat and tier columns are for the response only: they may be a snapshot
        # from before the lock (DESIGN.md), which is harmless for what never decides anything.
        rows, db_now, live_hold = _lock_seat_rows(user, event, ids)
        if live_hold is not None:
            raise _active_hold_exists(live_hold)
        if len(rows) != len(ids):
            unknown = sorted(set(ids) - {row[0] for row in rows})
            raise InvalidRequest(
                "Some seats are not part of this event.", code="invalid_seats", seats=unknown
            )
        taken = [
            seat_id
            for seat_id, status, held_until, *_ in rows
            if not (
                status == EventSeat.Status.AVAILABLE
                or (status == EventSeat.Status.HELD and held_until <= db_now)
            )
        ]
        if taken:
            raise Conflict(
                "Sorry, some of these seats have just been taken.",
                code="seats_unavailable",
                seats=taken,
            )
        hold, moved = _new_hold_with_seats(user, event, ids, db_now, _HOLD_CHOSEN_SQL)
        if moved != len(ids):
            # Cannot happen while we hold the row locks; refuse rather than half-hold.
            raise Conflict(
                "Sorry, some of these seats have just been taken.", code="seats_unavailable"
            )
    lines = [
        _seat_line(seat_id, section, row, number, x, y, price, tier)
        for seat_id, _, _, section, row, number, x, y, price, tier in rows
    ]
    return _created(hold, user, event, lines, "chosen")


# Best available: the block's seats that are free and not locked by another buyer this
# instant, locked and moved in the same statement.
_HOLD_BLOCK_SQL = f"""
WITH {_NEW_HOLD_CTE}, locked AS (
    SELECT id FROM inventory_eventseat
    WHERE id = ANY(%(ids)s)
      AND (status = 'available' OR (status = 'held' AND held_until <= statement_timestamp()))
    ORDER BY id
    FOR UPDATE SKIP LOCKED
)
UPDATE inventory_eventseat s
SET status = 'held', hold_id = (SELECT id FROM new_hold), held_until = %(until)s,
    version = s.version + 1
FROM locked WHERE s.id = locked.id
"""  # noqa: S608 - built from constants only


def _claim_block(user, event: Event, lines: list[dict], db_now) -> Hold:
    """Best-available's claim: seats another buyer has locked are skipped, never waited for, so
    concurrent buyers spread over different blocks instead of queueing on the best one. The
    new hold, the lock and the move are one statement; a block that isn't wholly ours is rolled
    back."""
    ids = sorted(line["id"] for line in lines)
    with _one_hold_per_buyer(user, event), transaction.atomic(durable=True):
        # SQLite serialises writers: nothing to skip there, the plain conditional move does.
        hold, moved = _new_hold_with_seats(user, event, ids, db_now, _HOLD_BLOCK_SQL)
        if moved != len(ids):
            raise _BlockBusy
    return _created(hold, user, event, lines, "best_available")


def _venue_centre_x(event: Event) -> float:
    """The x the best-available picker aims for; the physical layout changes rarely."""
    key = f"venue-centre:{event.venue_id}"
    centre = cache.get(key)
    if centre is None:
        bounds = Seat.objects.filter(venue_id=event.venue_id).aggregate(
            left=Min("x"), right=Max("x")
        )
        centre = ((bounds["left"] or 0) + (bounds["right"] or 0)) / 2
        cache.set(key, centre, 300)
    return centre


def candidate_blocks(seats, quantity: int, centre_x: float) -> list[list[int]]:
    """Blocks of `quantity` adjacent free seats (consecutive numbers in one row of a section),
    best first: front rows first, then nearest the centre."""
    by_row = defaultdict(list)
    for seat_id, section, row, number, x, y in seats:
        by_row[(section, row)].append((number, seat_id, x, y))
    scored = []
    for row_seats in by_row.values():
        row_seats.sort()
        for start in range(len(row_seats) - quantity + 1):
            block = row_seats[start : start + quantity]
            if block[-1][0] - block[0][0] != quantity - 1:
                continue
            mid_x = (block[0][2] + block[-1][2]) / 2
            scored.append((block[0][3], abs(mid_x - centre_x), [s[1] for s in block]))
    scored.sort(key=lambda item: (item[0], item[1]))
    # Neighbouring blocks overlap; keep disjoint ones so each try is a real alternative.
    chosen, used = [], set()
    for _, _, ids in scored:
        if used.isdisjoint(ids):
            chosen.append(ids)
            used.update(ids)
    return chosen


def _no_block(quantity: int, section) -> Conflict:
    where = f" in section {section}" if section else ""
    return Conflict(
        f"There is no block of {quantity} adjacent free seats{where}. "
        "Try fewer seats, another section, or pick seats on the map.",
        code="no_adjacent_seats",
    )


def _hold_best_available(user, event: Event, quantity: int, section, price_tier_id) -> Hold:
    if _known_too_few_free(user, event, quantity):
        raise _no_block(quantity, section)
    seats = EventSeat.objects.filter(event=event).filter(free_seat_q())
    if section:
        seats = seats.filter(seat__section=section)
    if price_tier_id:
        seats = seats.filter(price_tier_id=price_tier_id)
    centre_x = _venue_centre_x(event)
    for _ in range(BEST_AVAILABLE_ROUNDS):
        # The free seats are read without locks; other buyers may take some before we claim.
        rows = list(seats.annotate(db_now=Now()).values_list("id", *_SEAT_LINE_FIELDS, "db_now"))
        blocks = candidate_blocks([r[:6] for r in rows], quantity, centre_x)
        by_id = {r[0]: r for r in rows}
        if not blocks:
            break
        for block in blocks[:BEST_AVAILABLE_TRIES]:
            try:
                lines = [_seat_line(*by_id[seat_id][:8]) for seat_id in block]
                return _claim_block(user, event, lines, rows[0][8])
            except _BlockBusy:
                continue
    raise _no_block(quantity, section)


def _locked_hold_for(user, hold_id) -> Hold:
    """The hold, row-locked; `user=None` means staff acting on any buyer's hold."""
    try:
        hold_uuid = uuid.UUID(str(hold_id))
        holds = Hold.objects.select_for_update()
        if user is not None:
            holds = holds.filter(user=user)
        return holds.get(pk=hold_uuid)
    except (Hold.DoesNotExist, ValueError):
        # Another buyer's hold is indistinguishable from one that doesn't exist.
        raise NotFound("There is no such hold.", code="hold_not_found") from None


def _release(user, hold_id) -> Hold:
    with transaction.atomic(durable=True):
        hold = _locked_hold_for(user, hold_id)
        if hold.status != Hold.Status.ACTIVE:
            raise Conflict(
                f"This hold is already {hold.get_status_display().lower()}.",
                code="hold_not_active",
            )
        EventSeat.objects.filter(hold=hold, status=EventSeat.Status.HELD).update(
            status=EventSeat.Status.AVAILABLE, hold=None, held_until=None, version=F("version") + 1
        )
        Hold.objects.filter(pk=hold.pk).update(
            status=Hold.Status.RELEASED, ended_at=Now(), version=F("version") + 1
        )
        hold.refresh_from_db()
    forget_taken_seats(hold.event_id)
    metrics.HOLDS_RELEASED.inc()
    return hold


def release_hold(*, user, hold_id) -> Hold:
    """The buyer gives their seats back before the hold runs out."""
    hold = _release(user, hold_id)
    logger.info("hold released hold=%s event=%s user=%s", hold.id, hold.event_id, user.pk)
    return hold


def release_holds_as_staff(*, hold_ids, staff_user) -> int:
    """Box office frees seats a buyer is sitting on; holds already ended are skipped."""
    released = 0
    for hold_id in hold_ids:
        try:
            _release(None, hold_id)
        except (Conflict, NotFound):
            continue
        released += 1
        logger.info("hold released by staff hold=%s staff=%s", hold_id, staff_user.pk)
    return released


def extend_hold(*, user, hold_id) -> Hold:
    """Adds the event's hold minutes once more, a bounded number of times."""
    limit = settings.TICKETING["MAX_HOLD_EXTENSIONS"]
    with transaction.atomic(durable=True):
        hold = _locked_hold_for(user, hold_id)
        if hold.status != Hold.Status.ACTIVE:
            raise Conflict(
                f"This hold is already {hold.get_status_display().lower()}.",
                code="hold_not_active",
            )
        expired = Hold.objects.filter(pk=hold.pk, expires_at__lte=Now()).exists()
        if expired:
            raise Gone("This hold has expired; hold the seats again.", code="hold_expired")
        if hold.extensions >= limit:
            raise RuleBroken(
                f"A hold can be extended at most {limit} times.", code="extension_limit"
            )
        minutes = Event.objects.values_list("hold_minutes", flat=True).get(pk=hold.event_id)
        new_expiry = hold.expires_at + timedelta(minutes=minutes)
        EventSeat.objects.filter(hold=hold, status=EventSeat.Status.HELD).update(
            held_until=new_expiry
        )
        Hold.objects.filter(pk=hold.pk).update(
            expires_at=new_expiry, extensions=F("extensions") + 1, version=F("version") + 1
        )
        hold.refresh_from_db()
    logger.info(
        "hold extended hold=%s event=%s until=%s",
        hold.id,
        hold.event_id,
        hold.expires_at.isoformat(),
    )
    return hold


_EXPIRE_SQL = """
WITH due AS (
    SELECT id FROM inventory_hold
    WHERE status = 'active' AND expires_at <= now()
    ORDER BY expires_at
    LIMIT %s
    FOR UPDATE SKIP LOCKED
), ended AS (
    UPDATE inventory_hold h
    SET status = 'expired', ended_at = now(), version = h.version + 1
    FROM due WHERE h.id = due.id
    RETURNING h.id
), freed AS (
    UPDATE inventory_eventseat s
    SET status = 'available', hold_id = NULL, held_until = NULL, version = s.version + 1
    WHERE s.status = 'held' AND s.hold_id IN (SELECT id FROM ended)
    RETURNING s.id
)
SELECT (SELECT count(*) FROM ended), (SELECT count(*) FROM freed)
"""


def _expire_batch(batch_size: int) -> tuple[int, int]:
    if connection.vendor == "postgresql":
        # One statement: atomic on its own, and its row locks last only as long as it runs.
        with connection.cursor() as cursor:
            cursor.execute(_EXPIRE_SQL, [batch_size])
            holds, seats = cursor.fetchone()
            return holds, seats
    # SQLite (the embedded default) has no data-modifying CTEs: same effect, three statements.
    with transaction.atomic():
        due = list(
            Hold.objects.filter(status=Hold.Status.ACTIVE, expires_at__lte=Now())
            .order_by("expires_at")
            .values_list("id", flat=True)[:batch_size]
        )
        if not due:
            return 0, 0
        holds = Hold.objects.filter(id__in=due, status=Hold.Status.ACTIVE).update(
            status=Hold.Status.EXPIRED, ended_at=Now(), version=F("version") + 1
        )
        seats = EventSeat.objects.filter(hold_id__in=due, status=EventSeat.Status.HELD).update(
            status=EventSeat.Status.AVAILABLE, hold=None, held_until=None, version=F("version") + 1
        )
        return holds, seats


def expire_holds(*, batch_size: int | None = None) -> int:
    """Releases every hold whose time has passed, set-based, one statement per batch. Safe to
    run concurrently and repeatedly. Returns how many holds it released."""
    batch_size = batch_size or settings.TICKETING["EXPIRE_BATCH_SIZE"]
    total_holds = total_seats = 0
    while True:
        holds, seats = _expire_batch(batch_size)
        total_holds += holds
        total_seats += seats
        if holds < batch_size:
            break
    if total_holds:
        metrics.HOLDS_EXPIRED.inc(total_holds)
        logger.info("expired holds released holds=%s seats=%s", total_holds, total_seats)
    return total_holds
