"""Checkout and cancellation. The order of work in confirm_booking is the point:

1. a short transaction records a pending booking (with its seats and prices) and a pending
   payment, or finds the payment an earlier try left open (no charge yet);
2. the gateway is asked to charge, with no database lock held (apps.payments.services.pay);
3. once the payment is known to have succeeded — from that answer, a webhook or the
   reconciliation, whichever comes first — `settle_paid_booking`, under row locks, sells the
   seats or, when they were lost meanwhile, fails the booking and records its refund in the
   same transaction;
4. the refund is sent after the commit. No money is kept without tickets."""

import contextlib
import logging

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from apps.common import metrics
from apps.common.errors import (
    Conflict,
    Gone,
    InvalidRequest,
    NotFound,
    PaymentRequired,
    RuleBroken,
    ShopError,
)
from apps.common.languages import buyer_language
from apps.events import services as event_services
from apps.events.models import Event
from apps.inventory import seats as inventory_seats
from apps.inventory.holds import Sale, lock_hold_for_checkout, sell_hold
from apps.inventory.models import Hold
from apps.inventory.selectors import held_seat_prices
from apps.payments import services as payments
from apps.payments.models import Payment, Refund
from apps.payments.providers.base import (
    CardDetails,
    GatewayRefused,
    GatewayUnavailable,
    card_error_message,
    get_provider,
)
from apps.waitingroom.services import spend_pass

from .models import Booking, BookingEmail, Ticket
from .notifications import owe_email
from .staff_refunds import lock_cancellable, refund_tickets

logger = logging.getLogger(__name__)


class PaymentUnavailable(ShopError):
    status_code = 503
    code = "payment_unavailable"
    default_detail = gettext_lazy(
        "Payments are unavailable for a moment; you have not been charged and your seats are "
        "still held. Please try again shortly."
    )
    retryable = True


class PaymentStatusUnknown(ShopError):
    status_code = 502
    code = "payment_status_unknown"
    default_detail = gettext_lazy(
        "We could not hear back from the card company. Please try again: you will not be "
        "charged twice, and if the payment went through your tickets will follow."
    )
    retryable = True


class PaymentPending(ShopError):
    """Not an error: the buyer's app must finish 3-D Secure (requires_action, with the intent's
    client secret), or the gateway is still deciding (processing). Never stored as the answer
    to an idempotency key: asking again reports the state then."""

    status_code = 202
    code = "payment_pending"
    retryable = True


def _prepare(user, hold_id) -> tuple[Booking, Payment | None, bool]:
    """Step 1: check the hold is live and open a pending booking and payment for it; or find
    the payment an earlier try left open (then that one is finished, never a second one).
    The flag says whether the hold is still live: if not, a left-open payment is only looked
    up, never confirmed now."""
    with transaction.atomic(durable=True):
        hold = lock_hold_for_checkout(user=user, hold_id=hold_id)
        booking = Booking.objects.filter(hold=hold).first()
        if booking is not None and booking.status == Booking.Status.CONFIRMED:
            return booking, None, False
        if booking is not None and booking.status != Booking.Status.PENDING:
            raise Gone(_("This hold has ended; choose your seats again."), code="hold_expired")
        payment = payments.open_or_paid_payment(booking.pk) if booking is not None else None
        if payment is not None:
            # Money may be on its way whatever the hold says now: finish this one.
            if payment.status != Payment.Status.SUCCEEDED and not payments.claim(payment):
                raise Conflict(
                    _("A payment for this booking is already being processed."),
                    code="payment_in_progress",
                    retryable=True,
                )
            live = hold.status == Hold.Status.ACTIVE and hold.expires_at > hold.db_now
            return booking, payment, live
        # The event row read just now, not the hold path's facts of up to a second ago:
        # staff may have closed the sales window, the event may have started while the hold
        # was extended, or the per-order limit may have been lowered.
        if not hold.event.sells_at(hold.db_now):
            raise RuleBroken(
                _("Tickets for this event are no longer on sale; nothing was charged."),
                code="event_not_on_sale",
            )
        if hold.status != Hold.Status.ACTIVE or hold.expires_at <= hold.db_now:
            raise Gone(
                _(
                    "Your hold expired before payment; nothing was charged. Choose your seats "
                    "again."
                ),
                code="hold_expired",
                refunded=False,
            )
        prices = held_seat_prices(hold)
        if not prices:
            raise Gone(_("This hold no longer has seats."), code="hold_expired", refunded=False)
        if len(prices) > hold.event.max_seats_per_order:
            raise RuleBroken(
                ngettext(
                    "You can buy at most %(max)s seat per order; nothing was charged. Release "
                    "some seats and try again.",
                    "You can buy at most %(max)s seats per order; nothing was charged. Release "
                    "some seats and try again.",
                    hold.event.max_seats_per_order,
                )
                % {"max": hold.event.max_seats_per_order},
                code="too_many_seats",
                max_seats=hold.event.max_seats_per_order,
            )
        _check_ticket_cap(user, hold.event, len(prices))
        total = sum(prices.values(), start=0)
        seat_prices = {str(seat): str(price) for seat, price in sorted(prices.items())}
        if booking is None:
            booking = Booking.objects.create(
                user=user,
                event_id=hold.event_id,
                hold=hold,
                total=total,
                currency=hold.event.currency,
                seat_prices=seat_prices,
                language=buyer_language(),
            )
        elif booking.total != total or booking.seat_prices != seat_prices:
            Booking.objects.filter(pk=booking.pk).update(total=total, seat_prices=seat_prices)
            booking.total, booking.seat_prices = total, seat_prices
        return booking, payments.open_payment(booking=booking), True


# Stored as the booking's failure_reason in English (data, written where no buyer's language is
# active: a webhook, the reconciliation) and translated where a buyer reads it.
SEATS_LOST = gettext_noop(
    "Your hold expired while paying and the seats were taken by someone else."
)
EVENT_CANCELLED = gettext_noop("The event was cancelled while you were paying.")


def _check_ticket_cap(user, event: Event, seats: int) -> None:
    """Anti-hoarding: a buyer's valid tickets for the event, across all their orders, stay
    within the event's cap; refused before anything is charged. No race: one live hold per
    buyer and event means one order of theirs is in checkout at a time, under the hold's lock."""
    cap = event.tickets_per_buyer
    owned = Ticket.objects.filter(
        booking__user=user, booking__event_id=event.pk, status=Ticket.Status.VALID
    ).count()
    if owned + seats > cap:
        left = max(0, cap - owned)
        raise RuleBroken(
            ngettext(
                "You can have at most %(cap)s ticket for this event; you have %(owned)s, so you "
                "can buy %(left)s more. Nothing was charged.",
                "You can have at most %(cap)s tickets for this event; you have %(owned)s, so you "
                "can buy %(left)s more. Nothing was charged.",
                cap,
            )
            % {"cap": cap, "owned": owned, "left": left},
            code="ticket_cap_reached",
            cap=cap,
            owned=owned,
        )


def settle_paid_booking(payment_id) -> tuple[Booking, Refund | None]:
    """A payment succeeded: under row locks (booking, then hold and seats), tickets if the seats
    are still the hold's or free again (apps.inventory.holds.sell_hold decides), else the booking
    fails and its refund is recorded in the same transaction; the refund is sent after the
    commit. Whoever comes second (the synchronous path, a webhook, the reconciliation) finds
    the booking settled and does nothing. Must not run inside a transaction."""
    refund = None
    with transaction.atomic(durable=True):
        payment = Payment.objects.get(pk=payment_id)
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=payment.booking_id)
        if payment.status != Payment.Status.SUCCEEDED:
            return booking, None
        if booking.status == Booking.Status.PENDING:
            prices = {int(seat): price for seat, price in booking.seat_prices.items()}
            seat_ids = sorted(prices)
            sale = sell_hold(hold_id=booking.hold_id, seat_ids=seat_ids)
            if sale == Sale.SOLD:
                Ticket.objects.bulk_create(
                    [Ticket(booking=booking, event_seat_id=i, price=prices[i]) for i in seat_ids]
                )
                Booking.objects.filter(pk=booking.pk).update(
                    status=Booking.Status.CONFIRMED, confirmed_at=Now()
                )
                owe_email(booking, BookingEmail.Kind.CONFIRMATION)
            else:
                lost = sale == Sale.SEATS_LOST
                Booking.objects.filter(pk=booking.pk).update(
                    status=Booking.Status.FAILED,
                    failure_reason=SEATS_LOST if lost else EVENT_CANCELLED,
                )
                refund = payments.record_refund_due(
                    payment=payment, reason="hold_lost" if lost else "event_cancelled"
                )
                owe_email(booking, BookingEmail.Kind.REFUND)
        elif booking.status != Booking.Status.CONFIRMED:
            # Paid for a booking that has ended (a late success): the money goes back.
            refund = payments.record_refund_due(payment=payment, reason="late_payment")
            owe_email(booking, BookingEmail.Kind.REFUND)
    booking.refresh_from_db()
    if booking.status == Booking.Status.CONFIRMED and refund is None:
        # After the commit, no lock held: the buyer's waiting-room pass (if the event has a
        # room) has done its job. Whoever settles second spends it again, which is harmless.
        spend_pass(event_id=booking.event_id, user_id=booking.user_id)
        return booking, None
    if refund is not None:
        refund = payments.run_refund(refund)
        logger.warning(
            "booking failed after payment, refund %s booking=%s event=%s hold=%s",
            refund.status,
            booking.reference,
            booking.event_id,
            booking.hold_id,
        )
    return booking, refund


def settle_quietly(*, payment_id, **_):
    """The webhook's follow-up (apps.payments.webhooks.payment_succeeded): a failure here is
    logged and left to the reconciliation, never a 500 to the gateway."""
    try:
        settle_paid_booking(payment_id)
    except Exception:
        logger.exception("settling payment %s failed; the reconciliation will retry", payment_id)


def _payment_method(provider, payment_method: str, card: CardDetails | None) -> str:
    if card is not None:
        return provider.payment_method_for_card(card)  # a real gateway refuses card numbers
    return payment_method  # empty: finishing a payment the browser completed (3-D Secure)


def confirm_booking(
    *,
    user,
    hold_id,
    card: CardDetails | None = None,
    payment_method: str = "",
) -> Booking:
    """Turns the buyer's hold into a paid booking with one ticket per seat.

    Idempotent: once the hold's booking is confirmed, calling again returns it without charging;
    a payment left open by an earlier try (a timeout, a crash) is finished instead of starting
    a second one. The gateway's key is the payment's own (not the request's), so a retry
    reaches the gateway with the same key."""
    method = _payment_method(get_provider(), payment_method, card)
    booking, payment, hold_live = _prepare(user, hold_id)
    if payment is None:
        return booking
    if payment.status != Payment.Status.SUCCEEDED:
        try:
            payment = payments.pay(
                payment,
                payment_method=method,
                order_ref=booking.reference,
                may_charge=hold_live,
            )
        except GatewayUnavailable:
            raise PaymentUnavailable() from None
        except GatewayRefused as exc:
            raise InvalidRequest(card_error_message(exc.code, str(exc)), code=exc.code) from None
    return _after_payment(user, booking, payment, hold_live)


def _after_payment(user, booking: Booking, payment: Payment, hold_live: bool) -> Booking:
    status = payment.status
    if status == Payment.Status.DECLINED:
        raise PaymentRequired(
            card_error_message(payment.failure_code, payment.failure_message)
            or _("Your card was declined."),
            code="payment_declined",
            decline_code=payment.failure_code,
        )
    if status == Payment.Status.UNKNOWN:
        raise PaymentStatusUnknown(booking=booking.reference)
    if status in (Payment.Status.REQUIRES_ACTION, Payment.Status.PROCESSING):
        raise PaymentPending(
            _("Confirm the payment with your bank to finish.")
            if status == Payment.Status.REQUIRES_ACTION
            else _(
                "The payment is being processed; the booking is confirmed once it has gone through."
            ),
            status=status,
            booking=booking.reference,
            client_secret=getattr(payment, "client_secret", ""),
        )
    if status == Payment.Status.PENDING and not hold_live:
        # An intent never confirmed, for a hold that has run out: it is closed, not charged.
        with contextlib.suppress(GatewayUnavailable):  # else the reconciliation cancels it
            payments.abandon(payment)
        raise Gone(
            _("Your hold expired before payment; nothing was charged. Choose your seats again."),
            code="hold_expired",
            refunded=False,
        )
    if status not in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
        raise PaymentUnavailable()  # failed (not charged) or pending (not sent)

    # Refunded already: the gateway's webhook settled the booking first (the seats were lost
    # or the event cancelled) and its refund went through; the buyer hears that, not "not
    # charged".
    booking, refund = settle_paid_booking(payment.pk)
    if booking.status == Booking.Status.CONFIRMED:
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
    if refund is None:
        refund = Refund.objects.filter(payment=payment).first()
    raise Gone(
        _("%(reason)s Your payment has been refunded in full.")
        % {"reason": _(booking.failure_reason) if booking.failure_reason else ""},
        code="hold_expired",
        refunded=refund is not None and refund.status == Refund.Status.SUCCEEDED,
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
    """Box office cancels and refunds whole bookings (same rules as a buyer, any buyer's
    booking; the buyer is told): apps.bookings.staff_refunds."""
    cancelled = 0
    for reference in references:
        try:
            refund_tickets(reference=reference, ticket_ids=None, staff_user=staff_user)
        except (Conflict, InvalidRequest, NotFound, RuleBroken):
            continue
        cancelled += 1
    return cancelled


def _cancel(user, reference: str) -> Booking:
    with transaction.atomic(durable=True):
        booking = lock_cancellable(reference, user)
        seat_ids = list(
            Ticket.objects.filter(booking=booking, status=Ticket.Status.VALID).values_list(
                "event_seat_id", flat=True
            )
        )
        inventory_seats.return_sold(booking.event_id, seat_ids)
        Ticket.objects.filter(booking=booking, status=Ticket.Status.VALID).update(
            status=Ticket.Status.CANCELLED
        )
        # In the same transaction: no crash can leave a cancelled booking without its refund.
        payment = Payment.objects.filter(booking=booking, status=Payment.Status.SUCCEEDED).first()
        refund = (
            payments.record_refund_due(payment=payment, reason="booking_cancelled")
            if (payment is not None)
            else None
        )
        Booking.objects.filter(pk=booking.pk).update(
            status=Booking.Status.CANCELLED,
            cancelled_at=Now(),
            # The payment is of the booking's total: all of it has now been given back.
            refunded_amount=F("total") if refund else F("refunded_amount"),
        )
        owe_email(booking, BookingEmail.Kind.CANCELLATION)
    if refund is not None:
        payments.run_refund(refund)
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
                ngettext(
                    "This event has %(count)s confirmed booking; cancel and refund it before "
                    "cancelling the event.",
                    "This event has %(count)s confirmed bookings; cancel and refund them before "
                    "cancelling the event.",
                    confirmed,
                )
                % {"count": confirmed},
                code="event_has_bookings",
                confirmed_bookings=confirmed,
            )
        event_services.mark_cancelled(event)
    logger.info("event cancelled event=%s", event.pk)
    return event
