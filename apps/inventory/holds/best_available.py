"""Best available: the buyer asks for `quantity` adjacent seats and the shop picks the block.

The free seats are read without locks; the best blocks are tried in turn, each claimed with
`FOR UPDATE SKIP LOCKED` (apps.inventory.seats.hold_free_seats, locked=False) so that concurrent
buyers spread over different blocks instead of queueing on the best one. A block that isn't
wholly ours is rolled back and the next one tried."""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.db.models.functions import Now

from apps.common import shared_cache
from apps.events.models import Event, PriceTier

from .. import seats
from ..availability import free_seat_parts, free_seat_parts_sql
from ..models import EventSeat, Seat
from .claim import SEAT_LINE_LOOKUPS, SeatLine, created, live_hold_of, one_hold_per_buyer
from .refusals import BlockBusy, active_hold_exists, no_block
from .snapshot_refusal import may_hold_seats_here, refuse_known_sold_out

# Tries this many blocks of one reading of the free seats, and reads again this many times,
# before saying there is no block (in a rush the first reading goes stale fast).
BEST_AVAILABLE_TRIES = 8
BEST_AVAILABLE_ROUNDS = 4


def hold_best_available(user, event: Event, quantity: int, section, price_tier_id):
    refuse_known_sold_out(user, event, quantity, section)  # layer 0
    centre_x, widest_row = _venue_shape(event)
    among = FreeSeats(event, section, price_tier_id)
    for _ in range(BEST_AVAILABLE_ROUNDS):
        tried = 0
        for rows in _free_seats_front_to_back(among, quantity, widest_row):
            blocks = candidate_blocks(rows, quantity, centre_x)
            by_id = {row[0]: row for row in rows}
            for block in blocks[: BEST_AVAILABLE_TRIES - tried]:
                tried += 1
                lines = [SeatLine(*by_id[seat_id][:8]) for seat_id in block]
                try:
                    return _claim_block(user, event, lines, rows[0][8])
                except BlockBusy:
                    continue
            if tried >= BEST_AVAILABLE_TRIES:
                break
        if not tried:
            break  # not a single block anywhere: asking again won't find one
    # A buyer who already holds seats here is better served by being sent to that hold than
    # by hearing that there is no block.
    live = live_hold_of(user, event) if may_hold_seats_here(user, event) else None
    if live is not None:
        raise active_hold_exists(live)
    raise no_block(quantity, section)


# The free seats are read in layout order (EventSeat.position: front to back, then left to
# right), at first a little more than the venue's widest row (so that one read usually holds a
# whole row) and twice as many each time after, so that a request reads the rows it needs and
# not the whole hall. Blocks are only looked for in rows read to their end.
FIRST_READ = 64


def _free_seats_front_to_back(among: "FreeSeats", quantity: int, widest_row: int):
    """Yields lists of free seats (id, section, row, number, x, y, price, tier, db_now,
    position) among `among`, each of whole rows (all seats at the same y), front rows first,
    without locks: other buyers may take some before we claim.

    Free is the rule of apps.inventory.availability in two queries that each walk an index in
    layout order and stop after `limit` rows: the available seats, and the held seats whose
    hold has run out. (One query with the rule's OR made PostgreSQL sort every free seat of
    the hall for each request.)"""
    after, limit = -1, max(FIRST_READ, 4 * quantity, widest_row + 1)
    while True:
        reads = [among.read(part, after, limit) for part in (0, 1)]
        rows = sorted((row for read in reads for row in read), key=lambda row: row[9])
        if all(len(read) < limit for read in reads):  # the end of the hall
            if rows:
                yield rows
            return
        rows = rows[:limit]  # the first `limit` free seats in layout order
        last_y = rows[-1][5]
        whole = [row for row in rows if row[5] != last_y]
        if whole:
            yield whole
            after = whole[-1][9]
        else:
            limit *= 2  # one row wider than what we read: read more of it


class FreeSeats:
    """One part of the free-seat rule among an event's seats (in a section, of a tier), read
    in layout order after a position. Written out for PostgreSQL because a best-available
    request runs two to four of these and the ORM's compilation of each cost more CPU than
    PostgreSQL spends on it; the ORM twin serves SQLite."""

    _SQL = f"""
    SELECT es.id, s.section, s.row, s.number, s.x, s.y, t.price, t.name,
           statement_timestamp(), es.position
    FROM {EventSeat._meta.db_table} es
    JOIN {Seat._meta.db_table} s ON s.id = es.seat_id
    JOIN {PriceTier._meta.db_table} t ON t.id = es.price_tier_id
    WHERE es.event_id = %(event)s AND es.position > %(after)s AND NOT s.standing
      AND {{part}}{{filters}}
    ORDER BY es.position
    LIMIT %(limit)s
    """  # noqa: S608 - built from constants only

    def __init__(self, event: Event, section: str | None, price_tier_id: int | None):
        self.params = {"event": event.pk, "section": section, "tier": price_tier_id}
        filters = " AND s.section = %(section)s" if section else ""
        filters += " AND es.price_tier_id = %(tier)s" if price_tier_id else ""
        self.statements = [
            self._SQL.format(part=p, filters=filters) for p in free_seat_parts_sql("es")
        ]
        seats = EventSeat.objects.filter(event=event, seat__standing=False)
        if section:
            seats = seats.filter(seat__section=section)
        if price_tier_id:
            seats = seats.filter(price_tier_id=price_tier_id)
        self.querysets = [seats.filter(part) for part in free_seat_parts()]

    def read(self, part: int, after: int, limit: int) -> list:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    self.statements[part], {**self.params, "after": after, "limit": limit}
                )
                return cursor.fetchall()
        return list(
            self.querysets[part]
            .filter(position__gt=after)
            .order_by("position")
            .annotate(db_now=Now(), **SEAT_LINE_LOOKUPS)
            .values_list("id", *SEAT_LINE_LOOKUPS, "db_now", "position")[:limit]
        )


def _claim_block(user, event: Event, lines: list[SeatLine], db_now):
    """Layer 2 for a block: the new hold, the lock and the move are one statement."""
    ids = sorted(line.id for line in lines)
    with one_hold_per_buyer(user, event), transaction.atomic(durable=True):
        hold, moved = seats.hold_free_seats(user, event, ids, db_now, locked=False)
        if moved != len(ids):
            raise BlockBusy
    return created(hold, user, event, lines, "best_available")


def candidate_blocks(seats, quantity: int, centre_x: float) -> list[list[int]]:
    """Blocks of `quantity` adjacent seats (consecutive numbers in one row of a section) among
    `seats`, tuples starting (id, section, row, number, x, y); best first: front rows first,
    then nearest the centre."""
    by_row = defaultdict(list)
    for seat_id, section, row, number, x, y, *_ in seats:
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


def _venue_shape(event: Event) -> tuple[float, int]:
    """The x the picker aims for and the most seats of any one row; the physical layout
    changes rarely."""
    key = f"venue-shape:{event.venue_id}"
    shape = shared_cache.get(key)
    if shape is None:
        venue_seats = Seat.objects.filter(venue_id=event.venue_id, standing=False)
        bounds = venue_seats.aggregate(left=Min("x"), right=Max("x"))
        widest = (
            venue_seats.values("section", "row")
            .annotate(seats=Count("id"))
            .aggregate(widest=Max("seats"))["widest"]
        )
        shape = ((bounds["left"] or 0) + (bounds["right"] or 0)) / 2, widest or 0
        shared_cache.set(key, shape, 300)
    return shape
