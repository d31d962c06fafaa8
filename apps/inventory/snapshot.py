"""The taken-seat snapshot: which seats of an event are sold or held, at most
TICKETING["TAKEN_SEATS_SECONDS"] (1 s) old, as two bitsets over the event's layout order
(EventSeat.position). Layer 0 of the hold protocol refuses from it (holds/snapshot_refusal.py)
and the availability answer of the seat map is drawn from it (seat_map.py).

What it costs does not grow with every request or every process: one process renders it from
the database once a second per event (one query over the taken seats) and shares it through the
cache; every other process reads that compact copy (a few kilobytes even for a stadium) once a
second; a request looks up only the seats it asks for. With Redis down, each process renders
its own, once a second.

Why it is safe: it only ever refuses. A seat freed within that second by another process (a
release, a cancelled booking) can be refused for the rest of the second; a seat freed by this
process is forgotten at once (apps.inventory.seats calls `forget`, which also drops the shared
copy); a hold made by this process is added at once (`remember`). A hold whose time has passed
counts as free, as everywhere: once the earliest hold in the snapshot has run out, held seats
are no longer refused from it until the next render. Every acceptance is decided under row
locks."""

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction

from apps.common import shared_cache
from apps.common.process_cache import MISSING, ProcessCache

from .availability import HELD, SOLD, free_seat_q
from .models import EventSeat

# Where each event seat sits in the layout order; fixed when the event is published.
POSITIONS_SECONDS = 300.0
_positions = ProcessCache("seat-positions", seconds=POSITIONS_SECONDS, max_entries=64)


def snapshot_seconds() -> float:
    """How long a copy is good for. With layer 0 switched off (0) the snapshot still feeds the
    seat map's availability answer, a second at a time."""
    return settings.TICKETING["TAKEN_SEATS_SECONDS"] or 1.0


_taken = ProcessCache("taken-seats", seconds=snapshot_seconds, max_entries=256)


def enabled() -> bool:
    """Whether layer 0 refuses from it."""
    return settings.TICKETING["TAKEN_SEATS_SECONDS"] > 0


def positions(event_id: int) -> dict[int, int]:
    """{event seat id: position} of the event."""
    found = _positions.get(event_id)
    if found is MISSING:
        found = dict(EventSeat.objects.filter(event_id=event_id).values_list("id", "position"))
        if found:  # an event not published yet has none: ask again next time
            _positions.set(event_id, found)
    return found


def _bit(bits: bytearray, position: int) -> bool:
    return bool(bits[position >> 3] & (1 << (position & 7)))


def _bits_between(bits: bytearray, first: int, count: int) -> int:
    """Bits first .. first + count - 1 as an int (bit 0 is position `first`)."""
    start, end = first >> 3, (first + count + 7) >> 3
    return (int.from_bytes(bits[start:end], "little") >> (first & 7)) & ((1 << count) - 1)


def _set_bit(bits: bytearray, position: int) -> None:
    bits[position >> 3] |= 1 << (position & 7)


@dataclass
class TakenSeats:
    event_id: int
    seats: int  # how many the event has
    held: bytearray  # bit n: the seat at position n is held by a live hold
    sold: bytearray
    held_count: int = 0
    sold_count: int = 0
    holders: set = field(default_factory=set)  # buyers with a live hold on the event
    holds_end_from: datetime | None = None  # the earliest end of a hold in here
    rendered_at: float = 0.0  # wall clock
    remembered: int = 0  # holds this process added since the render

    def holds_count(self, now) -> bool:
        """Held seats count as taken until the first hold in here runs out."""
        return self.holds_end_from is None or now < self.holds_end_from

    def gone(self, ids: list[int], now) -> list[int]:
        where = positions(self.event_id)
        holds_count = self.holds_count(now)
        gone = []
        for seat_id in ids:
            position = where.get(seat_id)
            if position is None or position >= self.seats:
                continue  # not this event's, or newer than the render: layer 2 decides
            if _bit(self.sold, position) or (holds_count and _bit(self.held, position)):
                gone.append(seat_id)
        return gone

    def free(self, now) -> int:
        """At least how many seats are free."""
        taken = self.sold_count + (self.held_count if self.holds_count(now) else 0)
        return self.seats - taken

    def free_between(self, first: int, count: int, now) -> int:
        """At least how many of the `count` seats from position `first` on are free (a
        standing area, or the numbered seats). Seats newer than the render count as free."""
        known = max(0, min(count, self.seats - first))
        if known == 0:
            return count
        taken = _bits_between(self.sold, first, known)
        if self.holds_count(now):
            taken |= _bits_between(self.held, first, known)
        return count - taken.bit_count()

    def shared(self) -> tuple:
        return (
            self.seats,
            bytes(self.held),
            bytes(self.sold),
            self.held_count,
            self.sold_count,
            tuple(self.holders),
            self.holds_end_from,
            self.rendered_at,
        )

    @classmethod
    def from_shared(cls, event_id: int, value) -> "TakenSeats":
        seats, held, sold, held_count, sold_count, holders, ends, at = value
        return cls(
            event_id,
            seats,
            bytearray(held),
            bytearray(sold),
            held_count,
            sold_count,
            set(holders),
            ends,
            at,
        )


def render(event_id: int) -> TakenSeats:
    """The snapshot read from the database: one query over the taken seats."""
    where = positions(event_id)
    size = (len(where) + 7) // 8
    taken = TakenSeats(
        event_id, len(where), bytearray(size), bytearray(size), rendered_at=time.time()
    )
    rows = (
        EventSeat.objects.filter(event_id=event_id)
        .exclude(free_seat_q())
        .values_list("position", "status", "held_until", "hold__user_id")
    )
    for position, status, held_until, holder in rows:
        if position >= taken.seats:
            continue  # published after the positions were read: the next render has it
        if status == SOLD:
            _set_bit(taken.sold, position)
            taken.sold_count += 1
        elif status == HELD:
            _set_bit(taken.held, position)
            taken.held_count += 1
            taken.holders.add(holder)
            if taken.holds_end_from is None or held_until < taken.holds_end_from:
                taken.holds_end_from = held_until
    return taken


def _shared_key(event_id: int) -> str:
    return f"taken-seats:{event_id}"


# One render per event at a time for the whole cluster: whoever finds the shared copy out of
# date takes a short lock and renders; everybody else goes on with the copy they have, a moment
# older, so a rush never renders the same stadium many times a second (it did: every thread of
# every process whose copy ran out in the same instant rendered its own).
RENDER_LOCK_SECONDS = 2.0
_stale = ProcessCache("taken-seats-stale", seconds=10.0, max_entries=256)
_rendering = threading.Lock()  # and one render at a time in a process


def _keep(taken: TakenSeats) -> TakenSeats:
    _stale.set(taken.event_id, taken)
    left = snapshot_seconds() - (time.time() - taken.rendered_at)
    return _taken.set(taken.event_id, taken, seconds=left)


def taken_seats(event_id: int, *, must: bool = True) -> TakenSeats | None:
    """The snapshot of an event: this process's copy, the shared one, or a new render. With
    `must=False`, None when there is no copy at all and another thread or process is rendering
    it (layer 0 then refuses nothing)."""
    taken = _taken.get(event_id)
    if taken is not MISSING:
        return taken
    shared = shared_cache.get(_shared_key(event_id))
    if shared is not None:
        candidate = TakenSeats.from_shared(event_id, shared)
        if time.time() - candidate.rendered_at < snapshot_seconds():
            return _keep(candidate)
    else:
        candidate = _stale.get(event_id, None)
    if _rendering.acquire(blocking=False):
        try:
            if shared_cache.add(_render_lock_key(event_id), 1, RENDER_LOCK_SECONDS):
                try:
                    taken = render(event_id)
                    shared_cache.set(_shared_key(event_id), taken.shared(), 3 * snapshot_seconds())
                finally:
                    shared_cache.delete(_render_lock_key(event_id))
                return _keep(taken)
        finally:
            _rendering.release()
    if candidate is not None:  # being rendered elsewhere: this copy for a moment longer
        return _taken.set(event_id, candidate, seconds=0.1)
    return _keep(render(event_id)) if must else None


def _render_lock_key(event_id: int) -> str:
    return f"taken-seats-rendering:{event_id}"


def remember(event_id: int, user_id, seat_ids: list[int], until) -> None:
    """A hold made by this process is in its snapshot at once."""
    taken = _taken.get(event_id)
    if taken is MISSING:
        return
    where = positions(event_id)
    for seat_id in seat_ids:
        position = where.get(seat_id)
        if position is not None and position < taken.seats and not _bit(taken.held, position):
            _set_bit(taken.held, position)
            taken.held_count += 1
    taken.holders.add(user_id)
    taken.remembered += 1
    if taken.holds_end_from is None or until < taken.holds_end_from:
        taken.holds_end_from = until


def forget(event_id=None) -> None:
    """This process (and, once the change is committed, the shared copy) forget what they saw of
    an event's seats. The shared copy waits for the commit: no Redis call while the caller holds
    row locks, and a render by another process in between would still have the seats taken."""
    _forget_here(event_id)
    if event_id is not None:
        transaction.on_commit(lambda: _forget_everywhere(event_id))


def _forget_here(event_id) -> None:
    if event_id is None:
        _taken.forget()
        _stale.forget()
    else:
        _taken.forget(event_id)
        _stale.forget(event_id)


def _forget_everywhere(event_id: int) -> None:
    _forget_here(event_id)
    shared_cache.delete(_shared_key(event_id))


def forget_positions(event_id: int) -> None:
    _positions.forget(event_id)
