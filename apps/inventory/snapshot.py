"""The taken-seat snapshot: the seats of an event that are sold or held, as this process read
them at most TICKETING["TAKEN_SEATS_SECONDS"] (1 s) ago. Layer 0 of the hold protocol refuses
from it (apps.inventory.holds.refusal); nothing else reads it.

Why it is safe: it only ever refuses. A seat freed within that second by another process (a
release, a cancelled booking) can be refused once; a seat freed by this process is forgotten
at once (apps.inventory.seats calls `forget`); a hold whose time has passed counts as free, as
everywhere; a hold made by this process is added at once (`remember`). Every acceptance is
decided under row locks."""

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from apps.common.process_cache import MISSING, ProcessCache

from .availability import is_free
from .models import EventSeat


@dataclass
class TakenSeats:
    seats: int = 0  # how many the event has
    until: dict = field(default_factory=dict)  # seat id -> held until, or None when sold
    holders: set = field(default_factory=set)  # buyers with a live hold on the event

    # The free-seat rule (availability.is_free) over this compact form, where a sold seat is None
    # and a held one its held_until: spelled out inline because free() runs over every taken
    # seat of the event, and a function call per seat was a measured cost at the end of a rush.

    def gone(self, ids: list[int], now) -> list[int]:
        until = self.until
        return [i for i in ids if i in until and (until[i] is None or until[i] > now)]

    def free(self, now) -> int:
        # list() copies in one step under the GIL: another thread may add a hold meanwhile.
        held = list(self.until.values())
        return self.seats - sum(1 for u in held if u is None or u > now)


def snapshot_seconds() -> float:
    return settings.TICKETING["TAKEN_SEATS_SECONDS"]


_taken = ProcessCache("taken-seats", seconds=snapshot_seconds, max_entries=256)


def enabled() -> bool:
    return snapshot_seconds() > 0


def taken_seats(event_id: int) -> TakenSeats:
    """The snapshot of an event, read again when it is older than its lifetime."""
    taken = _taken.get(event_id)
    if taken is not MISSING:
        return taken
    started = time.monotonic()
    taken = TakenSeats()
    now = timezone.now()
    rows = EventSeat.objects.filter(event_id=event_id).values_list(
        "id", "status", "held_until", "hold__user_id"
    )
    for seat_id, status, held_until, holder in rows:
        taken.seats += 1
        if status == EventSeat.Status.AVAILABLE:
            continue
        taken.until[seat_id] = held_until if status == EventSeat.Status.HELD else None
        if holder is not None and not is_free(status, held_until, now):
            taken.holders.add(holder)
    # Its age counts from before the read, not after it.
    return _taken.set(event_id, taken, seconds=snapshot_seconds() - (time.monotonic() - started))


def remember(event_id: int, user_id, seat_ids: list[int], until) -> None:
    """A hold made by this process is in its snapshot at once."""
    taken = _taken.get(event_id)
    if taken is not MISSING:
        for seat_id in seat_ids:
            taken.until[seat_id] = until
        taken.holders.add(user_id)


def forget(event_id=None) -> None:
    if event_id is None:
        _taken.forget()
    else:
        _taken.forget(event_id)
