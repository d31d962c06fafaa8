"""Checkout and cancellation. The order of work in confirm_booking is the point:

1. a short transaction records a pending booking and a pending payment (no charge yet);
2. the provider charges the card with no database lock held;
3. a second short transaction, under row locks, re-checks the seats and either sells them or,
   when they were lost while the card was being charged, marks the booking failed;
4. a lost booking is refunded at once, outside the locks. No money is kept without tickets."""

import logging

from django.db import transaction
from django.db.models.functions import Now
from django.template.defaultfilters import pluralize
from django.utils import timezone

from apps.common import metrics
from apps.common.errors import Conflict, Gone, NotFound, PaymentRequired, RuleBroken, ShopError
from apps.events import services as event_services
from apps.events.models import Event
from apps.inventory import seats as inventory_seats
from apps.inventory.holds import Sale, lock_hold_for_checkout, sell_hold
from apps.inventory.models import Hold
from apps.inventory.selectors import held_seat_prices
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


def _prepare(user, hold_id, card: CardDetails) -> tuple[Booking, Payment | None, dict]:
    """Step 1: check the hold is live and open a pending booking and payment for it."""
    with transaction.atomic(durable=True):
        hold = lock_hold_for_checkout(user=user, hold_id=hold_id)
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
        prices = held_seat_prices(hold)
        if not prices:
            raise Gone("This hold no longer has seats.", code="hold_expired", refunded=False)
        total = sum(prices.values(), start=0)
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
        return booking, payment, prices


SEATS_LOST = "Your hold expired while paying and the seats were taken by someone else."
EVENT_CANCELLED = "The event was cancelled while you were paying."


def _finalise(booking: Booking, prices: dict) -> str:
    """Step 3, under row locks: sell the seats if they are still this hold's or free again
    (apps.inventory.holds.sell_hold decides). Returns "" when sold, else why not."""
    seat_ids = sorted(prices)
    with transaction.atomic(durable=True):
        sale = sell_hold(hold_id=booking.hold_id, seat_ids=seat_ids)
        if sale != Sale.SOLD:
            failure = SEATS_LOST if sale == Sale.SEATS_LOST else EVENT_CANCELLED
            Booking.objects.filter(pk=booking.pk).update(
                status=Booking.Status.FAILED, failure_reason=failure
            )
            return failure
        Ticket.objects.bulk_create(
            [Ticket(booking=booking, event_seat_id=i, price=prices[i]) for i in seat_ids]
        )
        Booking.objects.filter(pk=booking.pk).update(
            status=Booking.Status.CONFIRMED, confirmed_at=Now()
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
        inventory_seats.return_sold(booking.event_id, seat_ids)
        Ticket.objects.filter(booking=booking, status=Ticket.Status.VALID).update(
            status=Ticket.Status.CANCELLED
        )
        Booking.objects.filter(pk=booking.pk).update(
            status=Booking.Status.CANCELLED, cancelled_at=Now()
        )
    payment = Payment.objects.filter(booking=booking, status=Payment.Status.SUCCEEDED).first()
    if payment is not None:
        refund_payment(payment=payment, reason="booking_cancelled")
    metrics.BOOKINGS_CANCELLED.inc()
    booking.refresh_from_db()
    return booking


def cancel_event(*, event_id: int) -> Event:
    """Takes an event off sale for good. Refused while it has confirmed bookings: those buyers
    must be refunded first (cancelling their bookings), so that no paid ticket is left for an
    event that will not happen. Here, not in apps.events, because it must know the bookings."""
    with transaction.atomic():
        event = event_services.lock_event_to_cancel(event_id)
        confirmed = Booking.objects.filter(event=event, status=Booking.Status.CONFIRMED).count()
        if confirmed:
            raise RuleBroken(
                f"This event has {confirmed} confirmed booking{pluralize(confirmed)}; cancel and "
                "refund them before cancelling the event.",
                code="event_has_bookings",
                confirmed_bookings=confirmed,
            )
        event_services.mark_cancelled(event)
    logger.info("event cancelled event=%s", event.pk)
    return event
