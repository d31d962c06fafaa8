"""The database itself refuses what the models' constraints forbid (layer 3 of the hold protocol,
docs/architecture.md): rows are written directly, past every service, and each refusal must name
the constraint that fired."""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.bookings.models import Booking, Ticket
from apps.events.models import Event, PriceTier, TierAssignment, Venue
from apps.inventory.models import EventSeat, Hold, Seat
from apps.payments.models import Payment, Refund
from tests.factories import EventFactory, PriceTierFactory, UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


@contextmanager
def refused(constraint: str):
    """Expects the statements inside to fail on `constraint`. The savepoint keeps the test's
    transaction usable for the checks that follow."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    assert constraint in str(info.value), str(info.value)


@pytest.fixture
def event():
    return on_sale_event(rows=1, seats_per_row=4)


def new_hold(event, user=None, status=Hold.Status.ACTIVE):
    return Hold.objects.create(
        event=event,
        user=user or UserFactory(),
        status=status,
        expires_at=timezone.now() + timedelta(minutes=10),
    )


def new_booking(event, user=None, status=Booking.Status.PENDING):
    hold = new_hold(event, user, status=Hold.Status.CONVERTED)
    return Booking.objects.create(
        user=hold.user,
        event=event,
        hold=hold,
        total=Decimal("45.00"),
        currency="EUR",
        status=status,
        confirmed_at=timezone.now() if status == Booking.Status.CONFIRMED else None,
    )


def new_payment(booking, status):
    return Payment.objects.create(
        booking=booking,
        user=booking.user,
        amount=booking.total,
        currency="EUR",
        status=status,
        provider="sandbox",
    )


# --- no seat sold twice -------------------------------------------------------------------


def test_a_second_valid_ticket_for_one_event_seat_is_refused(event):
    seat = EventSeat.objects.filter(event=event).first()
    first = new_booking(event, status=Booking.Status.CONFIRMED)
    Ticket.objects.create(booking=first, event_seat=seat, price=Decimal("45.00"))
    second = new_booking(event)

    with refused("ticket_one_live_per_event_seat"):
        Ticket.objects.create(booking=second, event_seat=seat, price=Decimal("45.00"))

    # A cancelled ticket no longer holds the seat: it can be sold again.
    Ticket.objects.filter(booking=first).update(status=Ticket.Status.CANCELLED)
    Ticket.objects.create(booking=second, event_seat=seat, price=Decimal("45.00"))
    assert Ticket.objects.filter(event_seat=seat, status="valid").count() == 1


def test_a_second_event_seat_for_the_same_seat_is_refused(event):
    existing = EventSeat.objects.filter(event=event).first()
    with refused("eventseat_unique_event_seat"):
        EventSeat.objects.create(
            event=event,
            seat_id=existing.seat_id,
            price_tier_id=existing.price_tier_id,
            position=10**6,
        )
    # The same seat is of course sold for another event at the same venue.
    other = EventFactory(venue=event.venue)
    EventSeat.objects.create(
        event=other,
        seat_id=existing.seat_id,
        price_tier=PriceTierFactory(event=other),
        position=existing.position,
    )


def test_a_seat_is_held_exactly_when_it_has_a_hold(event):
    seat = EventSeat.objects.filter(event=event).first()
    soon = timezone.now() + timedelta(minutes=5)
    with refused("eventseat_held_iff_hold"):
        EventSeat.objects.filter(pk=seat.pk).update(status="held", held_until=soon)
    hold = new_hold(event)
    with refused("eventseat_held_iff_hold"):
        EventSeat.objects.filter(pk=seat.pk).update(status="held", hold=hold)
    with refused("eventseat_held_iff_hold"):
        EventSeat.objects.filter(pk=seat.pk).update(hold=hold, held_until=soon)  # available
    EventSeat.objects.filter(pk=seat.pk).update(status="held", hold=hold, held_until=soon)
    with refused("eventseat_held_iff_hold"):
        EventSeat.objects.filter(pk=seat.pk).update(status="sold")  # still pointing at the hold


# --- holds, payments ----------------------------------------------------------------------


def test_two_active_holds_for_one_buyer_and_event_are_refused(event):
    buyer = UserFactory()
    new_hold(event, buyer)
    with refused("hold_one_active_per_buyer_event"):
        new_hold(event, buyer)
    # Ended holds do not count, and another event is another matter.
    new_hold(event, buyer, status=Hold.Status.RELEASED)
    new_hold(event, buyer, status=Hold.Status.EXPIRED)
    new_hold(on_sale_event(rows=1, seats_per_row=1), buyer)


def test_a_second_successful_payment_for_one_booking_is_refused(event):
    booking = new_booking(event)
    new_payment(booking, Payment.Status.DECLINED)
    new_payment(booking, Payment.Status.SUCCEEDED)
    with refused("payment_one_open_or_paid_per_booking"):
        new_payment(booking, Payment.Status.SUCCEEDED)
    with refused("payment_one_open_or_paid_per_booking"):
        new_payment(booking, Payment.Status.PENDING)
    assert booking.payments.count() == 2


# --- money and numbers --------------------------------------------------------------------


def test_negative_amounts_are_refused(event):
    with refused("pricetier_price_non_negative"):
        PriceTier.objects.create(event=event, name="Rebate", price=Decimal("-0.01"))
    PriceTier.objects.create(event=event, name="Free", price=Decimal("0"))

    booking = new_booking(event)
    with refused("booking_total_non_negative"):
        Booking.objects.filter(pk=booking.pk).update(total=Decimal("-1"))
    seat = EventSeat.objects.filter(event=event).first()
    with refused("ticket_price_non_negative"):
        Ticket.objects.create(booking=booking, event_seat=seat, price=Decimal("-1"))
    with refused("payment_amount_non_negative"):
        Payment.objects.create(
            booking=booking, user=booking.user, amount=-1, currency="EUR", provider="sandbox"
        )
    payment = new_payment(booking, Payment.Status.SUCCEEDED)
    with refused("refund_amount_non_negative"):
        Refund.objects.create(payment=payment, amount=Decimal("-5"), reason="test")


def test_event_settings_out_of_range_are_refused():
    event = EventFactory()
    with refused("event_hold_minutes_min"):
        Event.objects.filter(pk=event.pk).update(hold_minutes=0)
    with refused("event_max_seats_min"):
        Event.objects.filter(pk=event.pk).update(max_seats_per_order=0)
    now = timezone.now()
    with refused("event_sales_window_ordered"):
        Event.objects.filter(pk=event.pk).update(sales_start=now, sales_end=now)


def test_a_confirmed_booking_has_its_confirmation_time(event):
    booking = new_booking(event)
    with refused("booking_confirmed_has_time"):
        Booking.objects.filter(pk=booking.pk).update(status="confirmed")


# --- one of each ------------------------------------------------------------------------------


def test_duplicates_of_places_are_refused(event):
    with refused("venue_unique_name_city"):
        Venue.objects.create(name=event.venue.name, city=event.venue.city)
    seat = Seat.objects.filter(venue=event.venue).first()
    with refused("seat_unique_position"):
        Seat.objects.create(
            venue=event.venue, section=seat.section, row=seat.row, number=seat.number, x=0, y=0
        )
    tier = event.price_tiers.get()
    other_tier = PriceTierFactory(event=event, name="Other")
    TierAssignment.objects.create(event=event, price_tier=tier, section="A", row="1")
    with refused("tierassignment_one_tier_per_place"):
        TierAssignment.objects.create(event=event, price_tier=other_tier, section="A", row="1")
    # The whole section is another place than one of its rows.
    TierAssignment.objects.create(event=event, price_tier=other_tier, section="A", row="")


# --- status values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, constraint",
    [
        (Event, "event_valid_status"),
        (EventSeat, "eventseat_valid_status"),
        (Hold, "hold_valid_status"),
        (Booking, "booking_valid_status"),
        (Ticket, "ticket_valid_status"),
        (Payment, "payment_valid_status"),
        (Refund, "refund_valid_status"),
    ],
)
def test_an_invalid_status_is_refused(event, model, constraint):
    booking = new_booking(event)
    payment = new_payment(booking, Payment.Status.SUCCEEDED)
    rows = {
        Event: event,
        EventSeat: EventSeat.objects.filter(event=event).first(),
        Hold: booking.hold,
        Booking: booking,
        Ticket: Ticket.objects.create(
            booking=booking,
            event_seat=EventSeat.objects.filter(event=event).first(),
            price=Decimal("45.00"),
        ),
        Payment: payment,
        Refund: Refund.objects.create(payment=payment, amount=Decimal("1"), reason="test"),
    }
    with refused(constraint):
        model.objects.filter(pk=rows[model].pk).update(status="bogus")
