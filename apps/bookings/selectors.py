"""Reads of bookings and tickets shared by the API, the pages and the admin."""

from django.db.models import Prefetch

from apps.common.errors import NotFound

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
