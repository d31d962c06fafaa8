"""A sale in progress, built through the real services, for the monitoring pages and API."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.bookings.services import cancel_booking, confirm_booking
from apps.common.errors import PaymentRequired
from apps.inventory import lockstats
from apps.inventory.holds import hold_seats
from apps.inventory.holds.locks import LockResult
from apps.inventory.models import EventSeat, Hold
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event


def card(number="4242424242424242") -> CardDetails:
    return CardDetails.parse(number=number, exp_month=12, exp_year=2030, cvc="123")


@dataclass
class Sale:
    event: object
    seats: list[int]
    holds: list = field(default_factory=list)
    bookings: list = field(default_factory=list)


def busy_sale(*, sections=("A", "B"), rows=2, seats_per_row=5) -> Sale:
    """Two confirmed bookings (one later cancelled), a declined payment, two live holds (one
    about to expire, one already past its time), lock contention and a degraded hold."""
    event = on_sale_event(sections=sections, rows=rows, seats_per_row=seats_per_row)
    seats = list(EventSeat.objects.filter(event=event).order_by("id").values_list("id", flat=True))
    sale = Sale(event=event, seats=seats)

    for wanted in ([seats[0], seats[1]], [seats[2]], [seats[3]]):
        buyer = UserFactory()
        hold = hold_seats(user=buyer, event_id=event.id, event_seat_ids=wanted)
        sale.bookings.append(confirm_booking(user=buyer, hold_id=hold.id, card=card()))
    cancel_booking(user=sale.bookings[-1].user, reference=sale.bookings[-1].reference)

    decliner = UserFactory()
    declined_hold = hold_seats(user=decliner, event_id=event.id, event_seat_ids=[seats[4]])
    with pytest.raises(PaymentRequired):
        confirm_booking(user=decliner, hold_id=declined_hold.id, card=card("4000000000000002"))
    sale.holds.append(declined_hold)

    # One hold ends within the minute, another has run out but the sweeper hasn't run.
    soon = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=[seats[5]])
    late = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=[seats[6]])
    for hold, at in ((soon, timezone.now() + timedelta(seconds=30)), (late, timezone.now())):
        Hold.objects.filter(pk=hold.pk).update(expires_at=at)
        EventSeat.objects.filter(hold=hold).update(held_until=at)
    sale.holds += [soon, late]

    # Contention: seat 0 was fought over; a hold on seats 7-8 went ahead without Redis.
    lockstats.record(LockResult(event.id, [seats[0]], acquired=False, wait_ms=50.0))
    lockstats.record(LockResult(event.id, [seats[0]], acquired=False, wait_ms=52.0))
    lockstats.record(LockResult(event.id, [seats[7], seats[8]], degraded=True))
    lockstats.rollup()
    return sale
