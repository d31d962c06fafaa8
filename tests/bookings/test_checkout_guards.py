"""Safety net for checkout's guards (apps/bookings/services.py): the re-check of the seats under
row locks after the card is charged, and the database's one-live-ticket-per-seat backstop. What
happens "during payment" is run by the sandbox gateway itself, configured as the shop's payment
provider, right after it has charged the card."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from apps.bookings.models import Booking, Ticket
from apps.bookings.services import confirm_booking
from apps.common.errors import Gone
from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat, Hold
from apps.inventory.snapshot import forget as forget_taken_seats
from apps.payments.models import Payment, Refund
from apps.payments.providers.base import CardDetails, get_provider
from apps.payments.providers.sandbox import SandboxProvider
from tests.factories import UserFactory, on_sale_event
from tests.inventory.invariants import assert_no_seat_taken_twice

pytestmark = pytest.mark.django_db


class SandboxThatLetsTimePass(SandboxProvider):
    """The sandbox gateway; once it has charged a card it runs, once, what a test queued."""

    meanwhile: list = []

    def confirm_intent(self, **kwargs):
        result = super().confirm_intent(**kwargs)
        queued = list(self.meanwhile)
        self.meanwhile.clear()  # a checkout run from in here charges without them
        for happen in queued:
            happen()
        return result


@pytest.fixture
def during_payment(settings):
    """during_payment(f): f() runs while the next card is being charged."""
    path = f"{__name__}.{SandboxThatLetsTimePass.__name__}"
    settings.TICKETING = {**settings.TICKETING, "PAYMENT_PROVIDER": path}
    get_provider.cache_clear()  # the provider is built once per process
    SandboxThatLetsTimePass.meanwhile.clear()
    yield SandboxThatLetsTimePass.meanwhile.append
    SandboxThatLetsTimePass.meanwhile.clear()
    get_provider.cache_clear()


@pytest.fixture
def event():
    return on_sale_event(rows=1, seats_per_row=6, price="45.00")


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")


def run_out(hold):
    """The hold's time passes; no sweep runs."""
    past = timezone.now() - timedelta(seconds=1)
    Hold.objects.filter(pk=hold.pk).update(expires_at=past)
    EventSeat.objects.filter(hold=hold).update(held_until=past)
    forget_taken_seats()  # this process's snapshot of taken seats would be as old


def seats_of(hold):
    return sorted(line["id"] for line in hold.seat_lines)


def test_seats_whose_rival_hold_also_ran_out_during_payment_are_sold_to_the_payer(
    event, during_payment
):
    buyer, rival = UserFactory(), UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    seats = seats_of(hold)

    def rival_holds_them_and_lets_that_run_out_too():
        run_out(hold)
        run_out(hold_seats(user=rival, event_id=event.id, event_seat_ids=seats))

    during_payment(rival_holds_them_and_lets_that_run_out_too)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())

    assert booking.status == "confirmed"
    assert sorted(booking.tickets.values_list("event_seat_id", flat=True)) == seats
    assert Payment.objects.get(booking=booking).status == "succeeded"
    assert not Refund.objects.exists()
    assert_no_seat_taken_twice(event)


def test_a_seat_sold_to_a_rival_during_payment_fails_the_booking_with_a_full_refund(
    event, during_payment
):
    buyer, rival = UserFactory(), UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    seats = seats_of(hold)

    def rival_buys_one_of_them():
        run_out(hold)
        theirs = hold_seats(user=rival, event_id=event.id, event_seat_ids=seats[:1])
        confirm_booking(user=rival, hold_id=theirs.id, card=card())

    during_payment(rival_buys_one_of_them)
    with pytest.raises(Gone) as err:
        confirm_booking(user=buyer, hold_id=hold.id, card=card())

    assert err.value.code == "hold_expired" and err.value.extra["refunded"] is True
    booking = Booking.objects.get(user=buyer)
    assert booking.status == "failed" and not booking.tickets.exists()
    payment = Payment.objects.get(booking=booking)
    assert payment.status == "refunded"
    assert Refund.objects.get(payment=payment).amount == Decimal("90.00")
    assert list(Ticket.objects.filter(status="valid").values_list("event_seat_id", flat=True)) == [
        seats[0]
    ]
    assert EventSeat.objects.get(pk=seats[1]).status == "available", "back on sale"
    assert_no_seat_taken_twice(event)


def test_a_seat_whose_row_wrongly_says_available_is_not_sold_twice(event):
    """The seat row is repaired by hand (or a bug frees it) while its ticket is still live: the
    checkout's re-check sees a free seat, and only the database's constraint stands between the
    seat and a second ticket."""
    first_buyer, second_buyer = UserFactory(), UserFactory()
    hold = hold_seats(user=first_buyer, event_id=event.id, quantity=1)
    seat = seats_of(hold)[0]
    first = confirm_booking(user=first_buyer, hold_id=hold.id, card=card())
    EventSeat.objects.filter(pk=seat).update(status=EventSeat.Status.AVAILABLE)
    forget_taken_seats()
    again = hold_seats(user=second_buyer, event_id=event.id, event_seat_ids=[seat])

    with pytest.raises(IntegrityError, match="ticket_one_live_per_event_seat"):
        confirm_booking(user=second_buyer, hold_id=again.id, card=card())

    live = Ticket.objects.filter(event_seat_id=seat, status="valid")
    assert list(live.values_list("booking_id", flat=True)) == [first.pk]
    assert not Booking.objects.filter(user=second_buyer, status="confirmed").exists()
