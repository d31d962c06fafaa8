"""Cancelling an event (apps/bookings/services.py: cancel_event): refused while buyers hold
confirmed bookings."""

import pytest

from apps.bookings.services import cancel_booking, cancel_event, confirm_booking
from apps.common.errors import RuleBroken
from apps.events.models import Event
from apps.inventory.holds import hold_seats
from apps.inventory.publishing import publish_event
from apps.payments.providers.base import CardDetails
from tests.factories import EventFactory, UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def card():
    return CardDetails.parse(
        number="4242424242424242", exp_month=12, exp_year=2035, cvc="123", name="A B"
    )


def test_cancelling_an_event_without_bookings():
    event = on_sale_event(rows=1, seats_per_row=2)
    hold_seats(user=UserFactory(), event_id=event.pk, quantity=1)
    cancelled = cancel_event(event_id=event.pk)
    assert cancelled.status == Event.Status.CANCELLED
    assert Event.objects.get(pk=event.pk).status == Event.Status.CANCELLED
    with pytest.raises(RuleBroken) as exc:
        publish_event(event_id=event.pk)
    assert exc.value.code == "event_cancelled"


def test_a_draft_can_be_cancelled_once():
    event = EventFactory()
    cancel_event(event_id=event.pk)
    with pytest.raises(RuleBroken) as exc:
        cancel_event(event_id=event.pk)
    assert exc.value.code == "already_cancelled"


def test_cancelling_is_refused_while_bookings_are_confirmed():
    event = on_sale_event(rows=1, seats_per_row=4)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.pk, quantity=2)
    booking = confirm_booking(user=buyer, hold_id=hold.pk, card=card())

    with pytest.raises(RuleBroken) as exc:
        cancel_event(event_id=event.pk)
    assert exc.value.code == "event_has_bookings"
    assert "1 confirmed booking;" in exc.value.detail
    assert Event.objects.get(pk=event.pk).status == Event.Status.ON_SALE

    # Once that buyer is refunded the event can go.
    cancel_booking(user=buyer, reference=booking.reference)
    assert cancel_event(event_id=event.pk).status == Event.Status.CANCELLED
