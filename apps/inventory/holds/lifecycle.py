"""What happens to a hold after it is made: released, extended, expired (lazily and by the
sweep), and sold or lost at checkout. Hold rows are written here; their seats by
apps.inventory.seats. Lock order: the hold row, then its seats by id."""

import logging
import uuid
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Now
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.common import metrics
from apps.common.errors import Conflict, Gone, NotFound, RuleBroken
from apps.events.models import Event
from apps.events.sale_facts import on_sale_now, sale_facts

from .. import seats
from ..models import Hold
from .refusals import ensure_active

logger = logging.getLogger("apps.inventory.holds")


def _hold_uuid(hold_id) -> uuid.UUID:
    try:
        return uuid.UUID(str(hold_id))
    except ValueError:
        raise NotFound(_("There is no such hold."), code="hold_not_found") from None


def _locked_hold(user, hold_id, *related) -> Hold:
    """The hold, row-locked, with the database clock as `db_now` (and `related` read in the
    same query); `user=None` means staff acting on any buyer's hold. Another buyer's hold is
    indistinguishable from none."""
    holds = Hold.objects.select_for_update(of=("self",))
    if related:
        holds = holds.select_related(*related)
    if user is not None:
        holds = holds.filter(user=user)
    hold = holds.filter(pk=_hold_uuid(hold_id)).annotate(db_now=Now()).first()
    if hold is None:
        raise NotFound(_("There is no such hold."), code="hold_not_found")
    return hold


def _end(hold: Hold, status: str) -> None:
    """The hold ends (row-locked by the caller) and its seats go back on sale."""
    seats.free_seats_of_holds(hold.event_id, [hold.pk])
    Hold.objects.filter(pk=hold.pk).update(status=status, ended_at=Now())


# --- Release and extend ------------------------------------------------------------------------


def _release(user, hold_id) -> Hold:
    with transaction.atomic(durable=True):
        hold = _locked_hold(user, hold_id)
        ensure_active(hold)
        _end(hold, Hold.Status.RELEASED)
        hold.refresh_from_db()
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
        hold = _locked_hold(user, hold_id)
        ensure_active(hold)
        # The clock read with its seats' locks, after the hold's: `db_now` is when the hold's
        # locking statement began, and while it waited for the lock the hold may have run out
        # and another buyer taken its seats (which needs no lock on the hold).
        if hold.expires_at <= seats.lock_held_seats(hold):
            raise Gone(_("This hold has expired; hold the seats again."), code="hold_expired")
        if hold.extensions >= limit:
            raise RuleBroken(
                ngettext(
                    "A hold can be extended at most %(limit)s time.",
                    "A hold can be extended at most %(limit)s times.",
                    limit,
                )
                % {"limit": limit},
                code="extension_limit",
            )
        until = hold.expires_at + timedelta(minutes=sale_facts(hold.event_id).hold_minutes)
        seats.extend_held_seats(hold, until)
        Hold.objects.filter(pk=hold.pk).update(expires_at=until, extensions=hold.extensions + 1)
        hold.refresh_from_db()
    logger.info(
        "hold extended hold=%s event=%s until=%s",
        hold.id,
        hold.event_id,
        hold.expires_at.isoformat(),
    )
    return hold


# --- Expiry: lazy (a hold past expires_at counts as ended everywhere), and swept ---------------


def expire_stale_holds_of(user, event: Event) -> None:
    """Ends the buyer's run-out holds on this event that the sweeper has not reached yet, so
    that the one-hold rule doesn't block their new hold (the rare path)."""
    with transaction.atomic(durable=True):
        stale = list(
            Hold.objects.filter(
                user=user, event=event, status=Hold.Status.ACTIVE, expires_at__lte=Now()
            )
            .select_for_update()
            .values_list("id", flat=True)
        )
        if stale:
            Hold.objects.filter(id__in=stale).update(status=Hold.Status.EXPIRED, ended_at=Now())
            seats.free_seats_of_holds(event.pk, stale)


def expire_holds(*, batch_size: int | None = None) -> int:
    """Releases every hold whose time has passed, set-based, one statement per batch. Safe to
    run concurrently and repeatedly. Returns how many holds it released."""
    batch_size = batch_size or settings.TICKETING["EXPIRE_BATCH_SIZE"]
    total_holds = total_seats = 0
    while True:
        holds, freed = seats.expire_due_holds(batch_size)
        total_holds += holds
        total_seats += freed
        if holds < batch_size:
            break
    if total_holds:
        metrics.HOLDS_EXPIRED.inc(total_holds)
        logger.info("expired holds released holds=%s seats=%s", total_holds, total_seats)
    return total_holds


# --- Checkout (apps.bookings calls these inside its own transactions) --------------------------


def lock_hold_for_checkout(*, user, hold_id) -> Hold:
    """The buyer's hold with its event, row-locked, with `db_now`; in the caller's transaction."""
    return _locked_hold(user, hold_id, "event")


class Sale(StrEnum):
    SOLD = "sold"
    SEATS_LOST = "seats_lost"
    EVENT_NOT_ON_SALE = "event_not_on_sale"


def sell_hold(*, hold_id, seat_ids: list[int]) -> Sale:
    """Checkout's last step, in the caller's transaction: under row locks (hold, then seats by
    id) the seats are sold if every one is still the hold's or free again and the event is
    still on sale, and the hold is converted. Otherwise the hold (if still active) ends and the
    seats it still has go back on sale; the caller refunds."""
    seat_ids = sorted(seat_ids)
    hold = Hold.objects.select_for_update().get(pk=hold_id)
    sellable = seats.lock_seats_for_sale(hold, seat_ids)
    # A cancellation while the card was charged: refund rather than sell (a share lock:
    # see on_sale_now). A sales window that closed while the card was charged does not
    # undo a sale whose checkout began inside it.
    on_sale = on_sale_now(hold.event_id)
    if on_sale and sellable:
        seats.sell(seat_ids)
        Hold.objects.filter(pk=hold.pk).update(status=Hold.Status.CONVERTED, ended_at=Now())
        return Sale.SOLD
    if hold.status == Hold.Status.ACTIVE:
        _end(hold, Hold.Status.EXPIRED)
    return Sale.SEATS_LOST if on_sale else Sale.EVENT_NOT_ON_SALE
