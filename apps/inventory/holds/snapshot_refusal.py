"""Layer 0 of the seat-hold protocol: refusal from the taken-seat snapshot, the cheap "no".

A rush ends in a storm of requests for seats that are already gone (at the end of a sale eight
in nine requests are refusals). Those are refused here from this process's snapshot of the
event's taken seats (apps.inventory.snapshot, at most a second old), without a Redis lock or a
database transaction. This layer may only refuse: every acceptance is decided by layer 2.

A buyer who holds seats on the event in the snapshot is let through, so that layer 2 can tell
them about that hold instead (active_hold_exists)."""

from django.utils import timezone

from apps.events.models import Event

from .. import areas, snapshot
from .refusals import no_block, seats_unavailable


def _snapshot(event: Event):
    """The event's snapshot, or None: switched off, or being rendered with no copy yet."""
    return snapshot.taken_seats(event.pk, must=False) if snapshot.enabled() else None


def refuse_seats_known_taken(user, event: Event, ids: list[int]) -> None:
    taken = _snapshot(event)
    if taken is None or user.pk in taken.holders:
        return
    gone = taken.gone(ids, timezone.now())
    if gone:
        raise seats_unavailable(gone)


def refuse_known_sold_out(user, event: Event, quantity: int, section) -> None:
    """Best available after a sell-out: fewer free numbered seats in the whole event than asked
    for (standing places come after them in the layout order: apps.inventory.areas)."""
    taken = _snapshot(event)
    if taken is None or user.pk in taken.holders:
        return
    if taken.free_between(0, areas.places(event.pk).seated, timezone.now()) < quantity:
        raise no_block(quantity, section)


def may_hold_seats_here(user, event: Event) -> bool:
    """False only when the snapshot knows this buyer holds no seats on the event (saves the
    look-up of their hold on a refusal)."""
    taken = _snapshot(event)
    return taken is None or user.pk in taken.holders
