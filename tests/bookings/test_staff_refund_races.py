"""Staff refunds racing each other and the buyer's own cancellation, in real threads on
PostgreSQL: whatever the order, each ticket is refunded once and the refunds never exceed
what was paid."""

from decimal import Decimal

import pytest

from apps.bookings.models import Booking, Ticket
from apps.bookings.services import cancel_booking, confirm_booking
from apps.bookings.staff_refunds import refund_tickets
from apps.common.errors import Conflict, InvalidRequest
from apps.inventory.holds import hold_seats
from apps.payments.models import Payment, Refund, SandboxCharge
from apps.payments.providers.base import CardDetails
from tests.concurrency import run_at_once
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booking():
    event = on_sale_event(rows=1, seats_per_row=10, price="40.00")
    buyer = UserFactory()
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")
    hold = hold_seats(user=buyer, event_id=event.id, quantity=3)
    return confirm_booking(user=buyer, hold_id=hold.id, card=card)


def assert_money_adds_up(booking):
    payment = Payment.objects.get(booking=booking)
    refunded = sum(Refund.objects.filter(payment=payment).values_list("amount", flat=True))
    assert refunded == payment.refunded_amount <= payment.amount
    assert SandboxCharge.objects.get().refunded_amount == refunded
    cancelled = Ticket.objects.filter(booking=booking, status=Ticket.Status.CANCELLED)
    assert refunded == sum(t.price for t in cancelled)
    booking.refresh_from_db()
    assert booking.refunded_amount == refunded


def test_two_staff_refunding_the_same_ticket_refund_it_once(booking, staff_user):
    first = booking.tickets.order_by("id").first().pk

    def refund():
        return refund_tickets(
            reference=booking.reference, ticket_ids=[first], staff_user=staff_user
        )

    outcomes = run_at_once([refund, refund])
    errors = [exc for _, exc in outcomes if exc is not None]
    assert len(errors) == 1 and isinstance(errors[0], InvalidRequest), outcomes
    assert Payment.objects.get().refunded_amount == Decimal("40.00")
    assert_money_adds_up(booking)


def test_a_staff_refund_racing_the_buyers_cancellation(booking, staff_user):
    first = booking.tickets.order_by("id").first().pk
    outcomes = run_at_once(
        [
            lambda: refund_tickets(
                reference=booking.reference, ticket_ids=[first], staff_user=staff_user
            ),
            lambda: cancel_booking(user=booking.user, reference=booking.reference),
        ]
    )
    (_, staff_error), (_, buyer_error) = outcomes
    # The buyer's cancellation always goes through (before, it cancels everything and the staff
    # refund finds the booking cancelled; after, it refunds what is left).
    assert buyer_error is None, outcomes
    assert staff_error is None or isinstance(staff_error, Conflict), outcomes
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    payment = Payment.objects.get()
    assert payment.refunded_amount == payment.amount == Decimal("120.00")
    assert_money_adds_up(booking)
