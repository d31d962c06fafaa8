"""Reads of bookings and tickets shared by the API, the pages and the admin."""

from django.db.models import Exists, OuterRef, Prefetch, Subquery

from apps.common.errors import NotFound
from apps.payments.models import Payment

from .models import Booking, Ticket


def bookings_for_user(user):
    """The buyer's bookings, newest first, with event, venue and tickets: three queries."""
    tickets = Ticket.objects.select_related("event_seat__seat").order_by(
        "event_seat__seat__section", "event_seat__seat__y", "event_seat__seat__x"
    )
    return (
        Booking.objects.filter(user=user)
        .exclude(status=Booking.Status.PENDING)
        .select_related("event", "event__venue")
        .prefetch_related(Prefetch("tickets", queryset=tickets))
        .order_by("-created_at")
    )


def get_booking_for_user(*, user, reference) -> Booking:
    """One of the buyer's bookings; another buyer's is a plain 404."""
    booking = bookings_for_user(user).filter(reference=str(reference)).first()
    if booking is None:
        raise NotFound("There is no such booking.", code="booking_not_found")
    return booking


def booking_for_hold(*, user, hold_id) -> Booking | None:
    """The booking a checkout has opened for the buyer's hold, if any, with what its latest
    payment attempt did: `payment_pending` (a charge is under way right now, e.g. the first of
    two clicks on Pay) and `last_payment_status` / `last_payment_message`. One query."""
    payments = Payment.objects.filter(booking=OuterRef("pk")).order_by("-created_at")
    return (
        Booking.objects.filter(user=user, hold_id=hold_id)
        .annotate(
            payment_pending=Exists(payments.filter(status=Payment.Status.PENDING)),
            last_payment_status=Subquery(payments.values("status")[:1]),
            last_payment_message=Subquery(payments.values("failure_message")[:1]),
        )
        .first()
    )
