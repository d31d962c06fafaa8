"""Staff cancel and refund bookings, whole or some of their tickets (the admin's confirmation
page, apps/bookings/admin_refunds.py). One transaction per booking, in the house's lock order
(booking, then its tickets, then the event seats through inventory): the chosen tickets are
voided, their seats go back on sale, and a refund of exactly their prices is recorded against
the payment; the refund is sent after the commit, and the buyer is told (refund_notice)."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import metrics
from apps.common.errors import Conflict, InvalidRequest, NotFound, RuleBroken
from apps.inventory import seats as inventory_seats
from apps.payments import services as payments
from apps.payments.models import Payment, Refund

from .models import Booking, BookingEmail, Ticket
from .notifications import owe_email
from .refund_notice import notify_refund

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffRefund:
    booking: Booking
    tickets_cancelled: int
    amount: Decimal
    refund: Refund | None  # None for a booking nobody paid for (a free one)
    whole_booking: bool


def refund_tickets(*, reference: str, ticket_ids: list[int] | None, staff_user) -> StaffRefund:
    """Cancels the given valid tickets of a confirmed booking (all of them when `ticket_ids`
    is None) and refunds their prices. Cancelling every ticket left cancels the booking and
    refunds what is left of its payment."""
    with transaction.atomic(durable=True):
        booking = lock_cancellable(reference)
        valid = Ticket.objects.filter(booking=booking, status=Ticket.Status.VALID)
        tickets = list(valid.select_for_update().order_by("id"))
        chosen = tickets if ticket_ids is None else [t for t in tickets if t.pk in set(ticket_ids)]
        if not chosen or (ticket_ids is not None and len(chosen) != len(set(ticket_ids))):
            raise InvalidRequest(
                _("Choose one or more valid tickets of this booking to cancel."),
                code="tickets_not_cancellable",
            )
        whole = len(chosen) == len(tickets)
        inventory_seats.return_sold(booking.event_id, [t.event_seat_id for t in chosen])
        Ticket.objects.filter(pk__in=[t.pk for t in chosen]).update(status=Ticket.Status.CANCELLED)
        refund = _record_refund(booking, chosen, whole)
        amount = refund.amount if refund is not None else Decimal("0")
        changes = {"refunded_amount": F("refunded_amount") + amount}
        if whole:
            # The payment is of the booking's total: all of it has now been given back.
            changes = {"status": Booking.Status.CANCELLED, "cancelled_at": Now()}
            if refund is not None:
                changes["refunded_amount"] = F("total")
        Booking.objects.filter(pk=booking.pk).update(**changes)
        if whole:
            # The whole booking is cancelled: the buyer's cancellation e-mail says what was
            # refunded, as for any other cancellation (apps.bookings.notifications).
            owe_email(booking, BookingEmail.Kind.CANCELLATION)
        elif refund is not None:
            notify_refund(booking.pk, refund.pk)
    if refund is not None:
        payments.run_refund(refund)
    if whole:
        metrics.BOOKINGS_CANCELLED.inc()
    logger.info(
        "tickets cancelled by staff booking=%s tickets=%s amount=%s whole=%s staff=%s",
        booking.reference,
        len(chosen),
        amount,
        whole,
        staff_user.pk,
    )
    booking.refresh_from_db()
    return StaffRefund(booking, len(chosen), amount, refund, whole)


def lock_cancellable(reference: str, user=None) -> Booking:
    """The confirmed booking (the buyer's own when `user` is given) row-locked, with its event,
    before its event starts; or the refusal a buyer or staff member sees."""
    bookings = Booking.objects.select_for_update(of=("self",)).select_related("event")
    if user is not None:
        bookings = bookings.filter(user=user)
    booking = bookings.filter(reference=str(reference)).first()
    if booking is None:
        raise NotFound(_("There is no such booking."), code="booking_not_found")
    if booking.status != Booking.Status.CONFIRMED:
        raise Conflict(
            _("This booking is %(status)s and cannot be cancelled.")
            % {"status": booking.get_status_display().lower()},
            code="booking_not_cancellable",
        )
    if booking.event.starts_at <= timezone.now():
        raise RuleBroken(
            _("This event has already started; bookings can no longer be cancelled."),
            code="event_started",
        )
    return booking


def _record_refund(booking: Booking, chosen: list[Ticket], whole: bool) -> Refund | None:
    """The whole booking: what is left of the payment. Some tickets: exactly their prices
    (refused if that is more than is left: payments.record_partial_refund)."""
    payment = Payment.objects.filter(booking=booking, status=Payment.Status.SUCCEEDED).first()
    if payment is None:
        return None
    if whole:
        return payments.record_refund_due(payment=payment, reason="booking_cancelled")
    amount = sum((t.price for t in chosen), start=Decimal("0"))
    if amount == 0:
        return None
    return payments.record_partial_refund(
        payment=payment, amount=amount, reason="tickets_cancelled"
    )
