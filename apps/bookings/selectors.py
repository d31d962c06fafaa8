"""Reads of bookings and tickets shared by the API, the pages and the admin."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from apps.common.errors import NotFound
from apps.payments.models import Payment

from .models import Booking, Ticket


def bookings_for_user(user, *, pending=False):
    """The buyer's bookings, newest first, with event, venue and tickets: three queries.
    Pending ones (a payment under way) only when asked for."""
    tickets = Ticket.objects.select_related("event_seat__seat").order_by(
        "event_seat__seat__section", "event_seat__seat__y", "event_seat__seat__x"
    )
    bookings = Booking.objects.filter(user=user)
    if not pending:
        bookings = bookings.exclude(status=Booking.Status.PENDING)
    return (
        bookings.select_related("event", "event__venue")
        .prefetch_related(Prefetch("tickets", queryset=tickets))
        .order_by("-created_at")
    )


def get_booking_for_user(*, user, reference) -> Booking:
    """One of the buyer's bookings, pending ones too (an app watches a payment finish);
    another buyer's is a plain 404."""
    booking = bookings_for_user(user, pending=True).filter(reference=str(reference)).first()
    if booking is None:
        raise NotFound(_("There is no such booking."), code="booking_not_found")
    return booking


def booking_for_hold(*, user, hold_id) -> Booking | None:
    """The booking a checkout has opened for the buyer's hold, if any, with what its latest
    payment attempt did: `payment_pending` (a request is talking to the gateway right now,
    e.g. the first of two clicks on Pay) and `last_payment_status` / `last_payment_message` /
    `last_payment_code`.
    One query."""
    payments = Payment.objects.filter(booking=OuterRef("pk")).order_by("-created_at")
    return (
        Booking.objects.filter(user=user, hold_id=hold_id)
        .annotate(
            payment_pending=Exists(payments.filter(status__in=Payment.OPEN, busy_until__gt=Now())),
            last_payment_status=Subquery(payments.values("status")[:1]),
            last_payment_message=Subquery(payments.values("failure_message")[:1]),
            last_payment_code=Subquery(payments.values("failure_code")[:1]),
        )
        .first()
    )


def booking_with_tickets(booking_id) -> Booking:
    """A booking with its buyer, event, venue and tickets (with their places), for its e-mails:
    two queries."""
    tickets = Ticket.objects.select_related("event_seat__seat").order_by(
        "event_seat__seat__section", "event_seat__seat__y", "event_seat__seat__x"
    )
    return (
        Booking.objects.select_related("user", "event", "event__venue")
        .prefetch_related(Prefetch("tickets", queryset=tickets))
        .get(pk=booking_id)
    )


def ticket_at_the_door(code: str, *, lock: bool = False) -> Ticket | None:
    """The ticket with this code, with its booking, event, venue and place: one query. `lock`
    (inside a transaction) takes the ticket row so that a cancellation and a check-in of the same
    ticket go one after the other: a ticket cancelled a moment ago is never let in."""
    tickets = Ticket.objects.select_related("booking__event__venue", "event_seat__seat").filter(
        code=code
    )
    if lock:
        tickets = tickets.select_for_update(of=("self",), no_key=True)
    return tickets.first()


# Exports for staff (apps.backoffice.exports): one query each, streamed row by row.

EXPORT_CHUNK = 2000

BOOKING_EXPORT_COLUMNS = (
    ("reference", "reference"),
    ("status", "status"),
    ("buyer_email", "user__email"),
    ("buyer_name", "user__full_name"),
    ("tickets", "valid_tickets"),
    ("total", "total"),
    ("refunded", "refunded_amount"),
    ("currency", "currency"),
    ("created_at", "created_at"),
    ("confirmed_at", "confirmed_at"),
    ("cancelled_at", "cancelled_at"),
)

ATTENDEE_EXPORT_COLUMNS = (
    ("booking", "booking__reference"),
    ("name", "booking__user__full_name"),
    ("email", "booking__user__email"),
    ("section", "event_seat__seat__section"),
    ("row", "event_seat__seat__row"),
    ("seat", "event_seat__seat__number"),
    ("tier", "event_seat__price_tier__name"),
    ("price", "price"),
    ("currency", "booking__currency"),
)


def booking_rows_for_export(event_id: int):
    """Every booking of the event but those still awaiting payment, oldest first, with its
    buyer and how many valid tickets it has: one query, read in chunks."""
    bookings = (
        Booking.objects.filter(event_id=event_id)
        .exclude(status=Booking.Status.PENDING)
        .annotate(valid_tickets=Count("tickets", filter=Q(tickets__status=Ticket.Status.VALID)))
        .order_by("created_at", "id")
    )
    fields = [field for _, field in BOOKING_EXPORT_COLUMNS]
    return bookings.values_list(*fields).iterator(chunk_size=EXPORT_CHUNK)


def attendee_rows_for_export(event_id: int):
    """One row per valid ticket of the event (who sits where), by seat: one query."""
    tickets = Ticket.objects.filter(
        booking__event_id=event_id, status=Ticket.Status.VALID
    ).order_by("event_seat__seat__section", "event_seat__seat__row", "event_seat__seat__number")
    fields = [field for _, field in ATTENDEE_EXPORT_COLUMNS]
    return tickets.values_list(*fields).iterator(chunk_size=EXPORT_CHUNK)
