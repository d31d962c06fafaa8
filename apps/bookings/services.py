"""Checkout and cancellation. The order of work in confirm_booking is the point:

1. a short transaction records a pending booking and a pending payment (no charge yet);
2. the provider charges the card with no database lock held;
3. a second short transaction, under row locks, re-checks the seats and either sells them or,
   when they were lost while the card was being charged, marks the booking failed;
4. a lost booking is refunded at once, outside the locks. No money is kept without tickets."""

import logging
import uuid

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from apps.common import metrics
from apps.common.errors import Conflict, Gone, NotFound, PaymentRequired, RuleBroken, ShopError
from apps.events.models import Event
from apps.inventory.models import EventSeat, Hold
from apps.inventory.services import forget_taken_seats
from apps.payments.models import Payment
from apps.payments.providers.base import CardDetails
from apps.payments.services import charge_payment, open_payment, refund_payment

from .models import Booking, Ticket

logger = logging.getLogger(__name__)


class PaymentProcessingError(ShopError):
    status_code = 502
    code = "payment_processing_error"
    default_detail = "The card could not be processed. Please try again."
    retryable = True


def _hold_uuid(hold_id) -> uuid.UUID:
    try:
        return uuid.UUID(str(hold_id))
    except ValueError:
        raise NotFound("There is no such hold.", code="hold_not_found") from None


def _prepare(user, hold_id, card: CardDetails) -> tuple[Booking, Payment | None, dict]:
    """Step 1: check the hold is live and open a pending booking and payment for it."""
    with transaction.atomic(durable=True):
        hold = (
            Hold.objects.select_for_update(of=("self",))
            .select_related("event")
            .filter(pk=_hold_uuid(hold_id), user=user)
            .annotate(db_now=Now())
            .first()
        )
        if hold is None:
            raise NotFound("There is no such hold.", code="hold_not_found")
        booking = Booking.objects.filter(hold=hold).first()
        if booking is not None and booking.status == Booking.Status.CONFIRMED:
            return booking, None, {}
        if booking is not None and booking.status != Booking.Status.PENDING:
            raise Gone("This hold has ended; choose your seats again.", code="hold_expired")
        if hold.event.status != Event.Status.ON_SALE:
            raise RuleBroken(
                "Tickets for this event are no longer on sale; nothing was charged.",
                code="event_not_on_sale",
            )
        if hold.status != Hold.Status.ACTIVE or hold.expires_at <= hold.db_now:
            raise Gone(
                "Your hold expired before payment; nothing was charged. Choose your seats again.",
                code="hold_expired",
                refunded=False,
            )
        seats = list(
            EventSeat.objects.filter(hold=hold, status=EventSeat.Status.HELD).values_list(
                "id", "price_tier__price"
            )
        )
        if not seats:
            raise Gone("This hold no longer has seats.", code="hold_expired", refunded=False)
        total = sum((price for _, price in seats), start=0)
        if booking is None:
            booking = Booking.objects.create(
                user=user,
                event_id=hold.event_id,
                hold=hold,
                total=total,
                currency=hold.event.currency,
            )
        elif booking.total != total:
            Booking.objects.filter(pk=booking.pk).update(total=total)
            booking.total = total
        payment = open_payment(booking=booking, card=card)
        return booking, payment, dict(seats)


SEATS_LOST = "Your hold expired while paying and the seats were taken by someone else."
EVENT_CANCELLED = "The event was cancelled while you were paying."


def _finalise(booking: Booking, prices: dict) -> str:
    """Step 3, under row locks: sell the seats if they are still this hold's or free again.
    Returns "" when sold, else why not.

    The seat rows themselves are re-checked rather than the hold's version: they are what
    another buyer could have taken, and they say so whatever happened to the hold meanwhile."""
    seat_ids = sorted(prices)
    with transaction.atomic(durable=True):
        hold = Hold.objects.select_for_update().get(pk=booking.hold_id)
        rows = list(
            EventSeat.objects.filter(id__in=seat_ids)
            .select_for_update(of=("self",))
            .order_by("id")
            .annotate(db_now=Now())
            .only("id", "status", "hold_id", "held_until", "price_tier_id")
        )
        db_now = rows[0].db_now
        # A cancellation while the card was charged: refund rather than sell. (Read unlocked:
        # locking the event row would serialise every checkout of a sale.)
        on_sale = Event.objects.filter(pk=booking.event_id, status=Event.Status.ON_SALE).exists()
        still_ours = on_sale and all(
            (r.status == EventSeat.Status.HELD and r.hold_id == hold.pk)
            or r.status == EventSeat.Status.AVAILABLE
            or (r.status == EventSeat.Status.HELD and r.held_until <= db_now)
            for r in rows
        )
        if not still_ours or len(rows) != len(seat_ids):
            Booking.objects.filter(pk=booking.pk).update(
                status=Booking.Status.FAILED,
                failure_reason=SEATS_LOST if on_sale else EVENT_CANCELLED,
            )
            if hold.status == Hold.Status.ACTIVE:
                EventSeat.objects.filter(hold=hold, status=EventSeat.Status.HELD).update(
                    status=EventSeat.Status.AVAILABLE,
                    hold=None,
                    held_until=None,
                    version=F("version") + 1,
                )
                Hold.objects.filter(pk=hold.pk).update(
                    status=Hold.Status.EXPIRED, ended_at=Now(), version=F("version") + 1
                )
            return SEATS_LOST if on_sale else EVENT_CANCELLED
        sold = (
            EventSeat.objects.filter(id__in=seat_ids)
            .exclude(status=EventSeat.Status.SOLD)
            .update(
                status=EventSeat.Status.SOLD, hold=None, held_until=None, version=F("version") + 1
            )
        )
        if sold != len(seat_ids):
            raise RuntimeError("seat rows changed under their row locks")
        Ticket.objects.bulk_create(
            [Ticket(booking=booking, event_seat_id=i, price=prices[i]) for i in seat_ids]
        )
        Hold.objects.filter(pk=hold.pk).update(
            status=Hold.Status.CONVERTED, ended_at=Now(), version=F("version") + 1
        )
        Booking.objects.filter(pk=booking.pk).update(
            status=Booking.Status.CONFIRMED, confirmed_at=db_now
        )
    return ""


def confirm_booking(*, user, hold_id, card: CardDetails, attempt_key: str | None = None) -> Booking:
    """Turns the buyer's hold into a paid booking with one ticket per seat.

    Idempotent: once the hold's booking is confirmed, calling again returns it without charging.
    """
    booking, payment, prices = _prepare(user, hold_id, card)
    if payment is None:
        return booking

    payment = charge_payment(payment=payment, card=card, attempt_key=attempt_key)
    if payment.status == Payment.Status.DECLINED:
        raise PaymentRequired(
            payment.failure_message or "Your card was declined.",
            code="payment_declined",
            decline_code=payment.failure_code,
        )
    if payment.status != Payment.Status.SUCCEEDED:
        raise PaymentProcessingError(payment.failure_message or None)

    failure = _finalise(booking, prices)
    if not failure:
        booking.refresh_from_db()
        metrics.BOOKINGS_CONFIRMED.inc()
        logger.info(
            "booking confirmed booking=%s event=%s hold=%s user=%s total=%s",
            booking.reference,
            booking.event_id,
            booking.hold_id,
            user.pk,
            booking.total,
        )
        return booking

    forget_taken_seats(booking.event_id)  # the hold's remaining seats went back on sale
    refund = refund_payment(payment=payment, reason="hold_lost")
    logger.warning(
        "booking failed after payment, refund %s booking=%s event=%s hold=%s",
        refund.status,
        booking.reference,
        booking.event_id,
        booking.hold_id,
    )
    raise Gone(
        f"{failure} Your payment has been refunded in full.",
        code="hold_expired",
        refunded=refund.status == "succeeded",
        booking=booking.reference,
    )


def cancel_booking(*, user, reference: str) -> Booking:
    """The buyer cancels before the event: tickets void, seats back on sale, money returned."""
    booking = _cancel(user, reference)
    logger.info(
        "booking cancelled booking=%s event=%s user=%s",
        booking.reference,
        booking.event_id,
        user.pk,
    )
    return booking


def cancel_bookings_as_staff(*, references, staff_user) -> int:
    """Box office cancels and refunds bookings (same rules as a buyer, any buyer's booking)."""
    cancelled = 0
    for reference in references:
        try:
            _cancel(None, reference)
        except (Conflict, NotFound, RuleBroken):
            continue
        cancelled += 1
        logger.info("booking cancelled by staff booking=%s staff=%s", reference, staff_user.pk)
    return cancelled


def _cancel(user, reference: str) -> Booking:
    with transaction.atomic(durable=True):
        bookings = Booking.objects.select_for_update(of=("self",)).select_related("event")
        if user is not None:
            bookings = bookings.filter(user=user)
        booking = bookings.filter(reference=str(reference)).first()
        if booking is None:
            raise NotFound("There is no such booking.", code="booking_not_found")
        if booking.status != Booking.Status.CONFIRMED:
            raise Conflict(
                f"This booking is {booking.get_status_display().lower()} and cannot be cancelled.",
                code="booking_not_cancellable",
            )
        if booking.event.starts_at <= timezone.now():
            raise RuleBroken(
                "This event has already started; bookings can no longer be cancelled.",
                code="event_started",
            )
        seat_ids = list(
            Ticket.objects.filter(booking=booking, status=Ticket.Status.VALID).values_list(
                "event_seat_id", flat=True
            )
        )
        # Lock order: seats by id, as everywhere else.
        list(
            EventSeat.objects.filter(id__in=seat_ids)
            .select_for_update(of=("self",))
            .order_by("id")
            .values_list("id", flat=True)
        )
        Ticket.objects.filter(booking=booking, status=Ticket.Status.VALID).update(
            status=Ticket.Status.CANCELLED
        )
        EventSeat.objects.filter(id__in=seat_ids, status=EventSeat.Status.SOLD).update(
            status=EventSeat.Status.AVAILABLE, version=F("version") + 1
        )
        Booking.objects.filter(pk=booking.pk).update(
            status=Booking.Status.CANCELLED, cancelled_at=Now()
        )
    forget_taken_seats(booking.event_id)
    payment = Payment.objects.filter(booking=booking, status=Payment.Status.SUCCEEDED).first()
    if payment is not None:
        refund_payment(payment=payment, reason="booking_cancelled")
    metrics.BOOKINGS_CANCELLED.inc()
    booking.refresh_from_db()
    return booking
