"""The seat-hold engine: a hold is a short-lived claim on event seats (the event's hold minutes,
10 by default). docs/architecture.md tells the whole protocol; this is the map of the code.

A request for seats goes down the layers until one of them decides:

- **Layer 0, the cheap "no"** (`snapshot_refusal`): seats this process saw taken less than a
  second ago are refused without a lock or a transaction. It may only refuse.
- **Layer 1, Redis seat locks** (`locks`): all seat keys of a request taken together, all or
  nothing, with a very short wait; a loser gets 409 `seat_busy` at once. Efficiency only: with
  Redis down, holds go on through layer 2 alone, logged and counted.
- **Layer 2, PostgreSQL row locks, the guarantee** (`claim` for chosen seats,
  `best_available` for a quantity, `standing` for places in a general-admission area): one
  short transaction decides from the locked rows and the database clock and moves the seats
  with a conditional update whose count is checked.
- **Layer 3, constraints, the backstop** (`claim.one_hold_per_buyer` and the models): even a
  broken code path cannot sell a seat twice or give a buyer two live holds.

What happens to a hold afterwards (release, extend, expiry, checkout) is in `lifecycle`; every
write of seat rows is in apps.inventory.seats. Lock order everywhere: Redis seat locks, then
holds, then event seats by id."""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.roles import is_door_steward
from apps.common import metrics
from apps.common.errors import Forbidden, InvalidRequest, RuleBroken, ShopError
from apps.events.models import Event
from apps.events.sale_facts import sale_facts
from apps.waitingroom import passes as room_passes

from ..models import Hold
from .best_available import hold_best_available
from .claim import claim_chosen_seats
from .lifecycle import (
    Sale,
    expire_holds,
    expire_stale_holds_of,
    extend_hold,
    lock_hold_for_checkout,
    release_hold,
    release_holds_as_staff,
    sell_hold,
)
from .locks import SeatsBusy, seat_locks
from .refusals import StaleHoldInTheWay, active_hold_exists, seat_busy
from .snapshot_refusal import refuse_seats_known_taken
from .standing import hold_standing_places

__all__ = [
    "Sale",
    "expire_holds",
    "extend_hold",
    "hold_seats",
    "lock_hold_for_checkout",
    "release_hold",
    "release_holds_as_staff",
    "sell_hold",
]

logger = logging.getLogger(__name__)


def hold_seats(
    *,
    user,
    event_id,
    event_seat_ids=None,
    quantity=None,
    section=None,
    price_tier_id=None,
    area=None,
    queue_pass=None,
) -> Hold:
    """Holds the given event seats, `quantity` adjacent best-available ones, or `quantity`
    places in the standing `area`, for this buyer.
    The hold comes back with `seat_lines`, what its response shows. An event with its waiting
    room on needs the buyer's `queue_pass` (apps.waitingroom.passes); the flag comes with the
    sale facts, so an event without a room pays nothing for it. Door stewards hold nothing."""
    try:
        if is_door_steward(user):
            raise Forbidden(_("A door account cannot hold seats."), code="door_account")
        event = _on_sale(event_id)
        if event.waiting_room:
            room_passes.check(event_id=event.pk, user_id=user.pk, token=queue_pass)
        if (event_seat_ids is None) == (quantity is None):
            raise InvalidRequest(_("Give either seats or a quantity."), code="seats_or_quantity")
        if event_seat_ids is not None:
            ids = _chosen_ids(event, event_seat_ids)
            return _retrying_after_stale_hold(user, event, lambda: _hold_chosen(user, event, ids))
        _check_count(event, _whole_number(quantity))
        if area is not None:
            if section is not None:
                raise InvalidRequest(
                    _("Give either a section or a standing area, not both."),
                    code="section_or_area",
                )
            return _retrying_after_stale_hold(
                user,
                event,
                lambda: hold_standing_places(user, event, quantity, area, price_tier_id),
            )
        return _retrying_after_stale_hold(
            user,
            event,
            lambda: hold_best_available(user, event, quantity, section, price_tier_id),
        )
    except ShopError as exc:
        metrics.HOLDS_FAILED.labels(exc.code).inc()
        logger.info("hold refused event=%s user=%s code=%s", event_id, user.pk, exc.code)
        raise


def _hold_chosen(user, event: Event, ids: list[int]) -> Hold:
    refuse_seats_known_taken(user, event, ids)  # layer 0
    try:
        with seat_locks(event.pk, ids):  # layer 1
            return claim_chosen_seats(user, event, ids)  # layers 2 and 3
    except SeatsBusy as busy:
        raise seat_busy(busy.busy_ids) from None


def _retrying_after_stale_hold(user, event: Event, hold_them) -> Hold:
    """One live hold per buyer and event: a chosen-seat hold learns of a live one in its seat
    read, best available when the partial unique index refuses the new hold, so no request
    spends a query of its own on a rule that almost every request passes. A hold that ran out
    but is still marked active (not swept yet) is expired here and the hold tried once more."""
    for attempt in (1, 2):
        try:
            return hold_them()
        except StaleHoldInTheWay:
            if attempt == 2:
                raise active_hold_exists(None) from None
            expire_stale_holds_of(user, event)
    raise AssertionError("unreachable")


def _on_sale(event_id) -> Event:
    event = sale_facts(event_id)
    if not event.sells_at(timezone.now()):
        raise RuleBroken(_("Tickets for this event are not on sale now."), code="event_not_on_sale")
    return event


def _whole_number(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRequest(_("Quantity must be a whole number."))
    return value


def _chosen_ids(event: Event, event_seat_ids) -> list[int]:
    ids = list(event_seat_ids)
    if any(not isinstance(i, int) or isinstance(i, bool) or i < 1 for i in ids):
        raise InvalidRequest(_("Seat ids must be positive whole numbers."))
    if len(set(ids)) != len(ids):
        raise InvalidRequest(_("A seat is listed twice."), code="duplicate_seats")
    _check_count(event, len(ids))
    return sorted(ids)


def _check_count(event: Event, count: int) -> None:
    if count < 1:
        raise InvalidRequest(_("Choose at least one seat."), code="no_seats")
    if count > event.max_seats_per_order:
        most = event.max_seats_per_order
        raise RuleBroken(
            ngettext(
                "You can hold at most %(most)s seat per order.",
                "You can hold at most %(most)s seats per order.",
                most,
            )
            % {"most": most},
            code="too_many_seats",
            max_seats=event.max_seats_per_order,
        )
