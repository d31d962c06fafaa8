"""The invariant that matters, checked straight in the database after a race."""

from django.db.models import Count, Q
from django.db.models.functions import Now

from apps.bookings.models import Ticket
from apps.inventory.models import EventSeat, Hold


def assert_no_seat_taken_twice(event):
    live_tickets = (
        Ticket.objects.filter(event_seat__event=event, status=Ticket.Status.VALID)
        .values("event_seat")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert list(live_tickets) == [], "a seat has two live tickets"
    # Each held seat points at exactly one hold, and that hold is active and not expired.
    held = EventSeat.objects.filter(event=event, status=EventSeat.Status.HELD, held_until__gt=Now())
    bad = held.exclude(hold__status=Hold.Status.ACTIVE)
    assert not bad.exists(), "a held seat belongs to a hold that is not active"
    # A seat is never both held by a live hold and sold.
    sold_and_held = EventSeat.objects.filter(
        event=event, status=EventSeat.Status.SOLD, hold__isnull=False
    )
    assert not sold_and_held.exists()
    seat_counts = EventSeat.objects.filter(event=event).aggregate(
        total=Count("id"),
        sold=Count("id", filter=Q(status=EventSeat.Status.SOLD)),
    )
    tickets = Ticket.objects.filter(event_seat__event=event, status=Ticket.Status.VALID).count()
    assert seat_counts["sold"] == tickets, "sold seats and live tickets disagree"
