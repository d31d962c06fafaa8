from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.bookings.models import Booking, Ticket
from apps.bookings.services import cancel_booking, confirm_booking
from apps.common.errors import Conflict, Gone, InvalidRequest, NotFound, PaymentRequired, RuleBroken
from apps.events.models import Event
from apps.inventory.holds import expire_holds, hold_seats
from apps.inventory.models import EventSeat, Hold
from apps.inventory.snapshot import forget as forget_taken_seats
from apps.payments.models import Payment, Refund, SandboxCharge
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event
from tests.inventory.invariants import assert_no_seat_taken_twice

pytestmark = pytest.mark.django_db

SUCCESS = "4242424242424242"
DECLINE = "4000000000000002"
PROCESSING_ERROR = "4000000000000119"


def card(number=SUCCESS):
    return CardDetails.parse(number=number, exp_month=12, exp_year=2035, cvc="123", name="A B")


@pytest.fixture
def event():
    return on_sale_event(rows=2, seats_per_row=10, price="45.00")


@pytest.fixture
def buyer():
    return UserFactory()


def expire(hold):
    past = timezone.now() - timedelta(seconds=1)
    Hold.objects.filter(pk=hold.pk).update(expires_at=past)
    EventSeat.objects.filter(hold=hold).update(held_until=past)
    forget_taken_seats()  # this process's view of taken seats is a second old by then too


def test_paying_turns_the_hold_into_tickets(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert booking.status == "confirmed"
    assert booking.total == Decimal("90.00")
    tickets = list(booking.tickets.all())
    assert len(tickets) == 2 and {t.status for t in tickets} == {"valid"}
    assert EventSeat.objects.filter(status="sold").count() == 2
    assert Hold.objects.get(pk=hold.pk).status == "converted"
    payment = Payment.objects.get(booking=booking)
    assert payment.status == "succeeded" and payment.amount == Decimal("90.00")
    assert SandboxCharge.objects.get().amount == Decimal("90.00")
    assert_no_seat_taken_twice(event)


def test_paying_twice_returns_the_same_booking_and_charges_once(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    first = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    again = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert again.pk == first.pk
    assert SandboxCharge.objects.count() == 1
    assert Payment.objects.count() == 1


def test_a_declined_card_keeps_the_hold_and_makes_no_booking(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    with pytest.raises(PaymentRequired) as err:
        confirm_booking(user=buyer, hold_id=hold.id, card=card(DECLINE))
    assert err.value.code == "payment_declined"
    assert Hold.objects.get(pk=hold.pk).status == "active"
    assert EventSeat.objects.filter(hold=hold, status="held").count() == 2
    assert not Booking.objects.filter(status="confirmed").exists()
    assert not Ticket.objects.exists()
    # The buyer tries another card and gets the tickets; exactly one successful charge.
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert booking.status == "confirmed"
    assert SandboxCharge.objects.filter(status="succeeded").count() == 1
    assert Payment.objects.filter(status="declined").count() == 1


def test_a_gateway_error_is_retried_on_the_same_intent_and_charges_once(event, buyer):
    """The flaky card's first confirmation answers a gateway error (nothing charged); the
    gateway module tries again on the same intent, and the buyer just gets the tickets."""
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card(PROCESSING_ERROR))
    assert booking.status == "confirmed"
    charge = SandboxCharge.objects.get()
    assert charge.status == "succeeded" and charge.confirm_attempts == 2
    assert Payment.objects.get().intent_id == charge.id


def test_a_hold_that_expired_before_paying_is_not_charged(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    expire(hold)
    with pytest.raises(Gone) as err:
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert err.value.code == "hold_expired" and err.value.extra["refunded"] is False
    assert not SandboxCharge.objects.exists()


def _expire_during_payment(monkeypatch, during):
    """Runs `during()` while the gateway is charging the card."""
    from apps.payments.providers import sandbox

    original = sandbox.SandboxProvider.confirm_intent

    def slow_confirm(self, **kwargs):
        result = original(self, **kwargs)
        during()
        return result

    monkeypatch.setattr(sandbox.SandboxProvider, "confirm_intent", slow_confirm)


def test_expiry_during_payment_reclaims_seats_that_are_still_free(event, buyer, monkeypatch):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)

    def expire_and_sweep():
        expire(hold)
        assert expire_holds() == 1

    _expire_during_payment(monkeypatch, expire_and_sweep)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert booking.status == "confirmed"
    assert booking.tickets.count() == 2
    assert not Refund.objects.exists()
    assert_no_seat_taken_twice(event)


def test_expiry_during_payment_refunds_when_the_seats_were_taken(event, buyer, monkeypatch):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    seats = list(EventSeat.objects.filter(hold=hold).values_list("id", flat=True))
    rival = UserFactory()

    def expire_and_lose_the_seats():
        expire(hold)
        hold_seats(user=rival, event_id=event.id, event_seat_ids=seats)

    _expire_during_payment(monkeypatch, expire_and_lose_the_seats)
    with pytest.raises(Gone) as err:
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert err.value.code == "hold_expired" and err.value.extra["refunded"] is True
    payment = Payment.objects.get()
    assert payment.status == "refunded"
    assert Refund.objects.get(payment=payment).status == "succeeded"
    charge = SandboxCharge.objects.get()
    assert charge.refunded_amount == charge.amount
    assert Booking.objects.get().status == "failed"
    assert not Ticket.objects.exists()
    assert set(EventSeat.objects.filter(id__in=seats).values_list("status", flat=True)) == {"held"}


def test_cancelling_returns_seats_and_money(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=3)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    with pytest.raises(NotFound):
        cancel_booking(user=UserFactory(), reference=booking.reference)
    cancelled = cancel_booking(user=buyer, reference=booking.reference)
    assert cancelled.status == "cancelled"
    assert not Ticket.objects.filter(status="valid").exists()
    assert EventSeat.objects.filter(status="available").count() == 20
    assert Payment.objects.get().status == "refunded"
    assert Refund.objects.get().amount == Decimal("135.00")
    with pytest.raises(Conflict):
        cancel_booking(user=buyer, reference=booking.reference)
    # The seats can be sold again, and a second live ticket for a seat is still impossible.
    again = hold_seats(user=UserFactory(), event_id=event.id, quantity=3)
    assert EventSeat.objects.filter(hold=again).count() == 3
    assert_no_seat_taken_twice(event)


def test_seats_of_a_cancelled_booking_can_be_chosen_again_at_once(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    seats = sorted(s["id"] for s in hold.seat_lines)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    rival = UserFactory()
    with pytest.raises(Conflict):  # sold: refused from what this process knows is gone
        hold_seats(user=rival, event_id=event.id, event_seat_ids=seats)
    cancel_booking(user=buyer, reference=booking.reference)
    again = hold_seats(user=rival, event_id=event.id, event_seat_ids=seats)
    assert EventSeat.objects.filter(hold=again).count() == 2


def test_no_cancelling_once_the_event_started(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(RuleBroken) as err:
        cancel_booking(user=buyer, reference=booking.reference)
    assert err.value.code == "event_started"


def test_someone_elses_hold_cannot_be_paid(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    with pytest.raises(NotFound):
        confirm_booking(user=UserFactory(), hold_id=hold.id, card=card())
    with pytest.raises(NotFound):
        confirm_booking(user=buyer, hold_id="not-a-uuid", card=card())
    assert not SandboxCharge.objects.exists()


@pytest.mark.parametrize(
    "fields, bad",
    [
        ({"number": "1234"}, "card_number"),
        ({"number": "4242424242424241"}, "card_number"),
        ({"exp_month": 13}, "exp_month"),
        ({"exp_year": 2001}, "exp_year"),
        ({"exp_year": 35}, "exp_year"),  # two digits: the buyer says which century
        ({"cvc": "12a"}, "cvc"),
    ],
)
def test_bad_card_details_are_named(fields, bad):
    values = {"number": SUCCESS, "exp_month": 12, "exp_year": 2035, "cvc": "123"} | fields
    with pytest.raises(InvalidRequest) as err:
        CardDetails.parse(**values)
    assert bad in err.value.extra["fields"]


def test_an_event_cancelled_before_paying_is_not_charged(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    with pytest.raises(RuleBroken) as err:
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert err.value.code == "event_not_on_sale"
    assert not SandboxCharge.objects.exists()


def test_an_event_cancelled_during_payment_is_refunded(event, buyer, monkeypatch):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)

    def cancel_event():
        Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)

    _expire_during_payment(monkeypatch, cancel_event)
    with pytest.raises(Gone) as err:
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert err.value.extra["refunded"] is True
    assert "cancelled" in err.value.detail
    assert Payment.objects.get().status == "refunded"
    assert not Ticket.objects.exists()
