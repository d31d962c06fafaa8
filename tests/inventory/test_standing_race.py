"""The worst hot spot of a sale: every buyer wants the same standing area. Real threads, each on
its own PostgreSQL connection, race for its last places; the area never sells more than its
capacity, and the places it has left go to someone."""

import random

import pytest

from apps.bookings.models import Booking, Ticket
from apps.bookings.services import confirm_booking
from apps.common.errors import Conflict
from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat, Hold
from apps.payments.providers.base import CardDetails
from tests.concurrency import run_at_once
from tests.factories import UserFactory, standing_event
from tests.inventory.invariants import assert_no_seat_taken_twice

pytestmark = pytest.mark.django_db(transaction=True)

CAPACITY = 60
ALREADY_SOLD = 40
BUYERS = 40
REFUSALS = {"not_enough_places", "area_busy"}


def card():
    return CardDetails.parse(
        number="4242424242424242", exp_month=12, exp_year=2035, cvc="123", name="A B"
    )


def sell_places(event, count):
    while count:
        buyer, quantity = UserFactory(), min(8, count)
        hold = hold_seats(user=buyer, event_id=event.id, quantity=quantity, area="Standing")
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
        count -= quantity


def sold_places(event) -> int:
    return Ticket.objects.filter(event_seat__event=event, status=Ticket.Status.VALID).count()


def test_forty_buyers_for_the_last_twenty_places_sell_exactly_the_capacity():
    event = standing_event(areas={"Standing": CAPACITY})
    sell_places(event, ALREADY_SOLD)
    buyers = [UserFactory() for _ in range(BUYERS)]

    outcomes = run_at_once(
        [
            lambda b=b: hold_seats(user=b, event_id=event.id, quantity=1, area="Standing")
            for b in buyers
        ]
    )
    holds = [hold for hold, error in outcomes if error is None]
    errors = [error for _, error in outcomes if error is not None]
    assert len(holds) == CAPACITY - ALREADY_SOLD, "every place left goes to someone, once"
    # Refused: too few left, or (retryable) every place left was being taken by others at that
    # instant, on a busy machine.
    assert all(isinstance(e, Conflict) and e.code in REFUSALS for e in errors), errors

    # Everyone who got a place pays at the same moment.
    payers = {hold.id: hold.user for hold in holds}
    paid = run_at_once(
        [
            lambda h=h, u=u: confirm_booking(user=u, hold_id=h, card=card())
            for h, u in payers.items()
        ]
    )
    assert all(error is None for _, error in paid), [e for _, e in paid if e]
    assert sold_places(event) == CAPACITY
    assert EventSeat.objects.filter(event=event, status="sold").count() == CAPACITY
    assert Booking.objects.filter(event=event, status="confirmed").count() == (
        ALREADY_SOLD // 8 + len(holds)
    )
    with pytest.raises(Conflict) as sold_out:
        hold_seats(user=UserFactory(), event_id=event.id, quantity=1, area="Standing")
    assert sold_out.value.detail == "Standing is sold out."
    assert_no_seat_taken_twice(event)


def test_mixed_quantities_never_hold_more_than_is_left():
    event = standing_event(areas={"Standing": CAPACITY})
    sell_places(event, ALREADY_SOLD)
    rng = random.Random(15)
    wanted = [rng.randint(1, 3) for _ in range(BUYERS)]
    buyers = [UserFactory() for _ in range(BUYERS)]

    outcomes = run_at_once(
        [
            lambda b=b, q=q: hold_seats(user=b, event_id=event.id, quantity=q, area="Standing")
            for b, q in zip(buyers, wanted, strict=True)
        ]
    )
    held = 0
    refused_wanted = []
    for quantity, (hold, error) in zip(wanted, outcomes, strict=True):
        if error is None:
            assert EventSeat.objects.filter(hold=hold).count() == quantity
            held += quantity
        else:
            assert isinstance(error, Conflict) and error.code in REFUSALS, error
            if error.code == "not_enough_places":
                refused_wanted.append(quantity)
    left = CAPACITY - ALREADY_SOLD - held
    assert held <= CAPACITY - ALREADY_SOLD
    assert Hold.objects.filter(event=event, status="active").count() == BUYERS - len(refused_wanted)
    # Nobody was refused while enough places for them were left.
    assert all(quantity > left for quantity in refused_wanted), (left, refused_wanted)
    assert_no_seat_taken_twice(event)
