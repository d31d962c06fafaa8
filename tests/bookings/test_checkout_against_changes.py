"""Checkout against what staff change while a buyer pays (issue 14, findings 4 and 5).

A cancellation and a checkout of the same event race with real threads on PostgreSQL: either
the cancellation counts the new booking and is refused, or the checkout sees the event
cancelled and refunds. Never a paid, confirmed booking on a cancelled event. And checkout reads
the event's sales window, start and per-order limit from the row, not from the hold path's
copy of a second ago."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.bookings.models import Booking
from apps.bookings.services import cancel_event, confirm_booking
from apps.common.errors import Gone, RuleBroken
from apps.events import services as event_services
from apps.events.models import Event
from apps.inventory.holds import hold_seats, lifecycle
from apps.inventory.models import Hold
from apps.payments.models import Payment, Refund
from apps.payments.providers.base import CardDetails
from tests.concurrency import run_at_once
from tests.factories import UserFactory, on_sale_event


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")


def _no_paid_booking_on_a_cancelled_event(event):
    event.refresh_from_db()
    confirmed = Booking.objects.filter(event=event, status=Booking.Status.CONFIRMED).count()
    return not (event.status == Event.Status.CANCELLED and confirmed)


@pytest.mark.django_db(transaction=True)
def test_a_checkout_finishing_during_a_cancellation_is_refunded(monkeypatch):
    """The cancellation begins while the card is charged (after checkout opened its booking),
    counts no confirmed booking, and commits while the checkout is selling."""
    from apps.payments.providers.sandbox import SandboxProvider

    event = on_sale_event(rows=1, seats_per_row=4)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.pk, quantity=2)
    charging, counted = threading.Event(), threading.Event()
    original_confirm = SandboxProvider.confirm_intent
    original_mark = event_services.mark_cancelled

    def confirm_while_staff_cancel(self, **kwargs):
        charging.set()
        assert counted.wait(10)  # the cancellation has locked the event and counted
        return original_confirm(self, **kwargs)

    def slow_mark_cancelled(locked_event):
        counted.set()
        time.sleep(1.0)  # the checkout reaches its sale meanwhile
        return original_mark(locked_event)

    monkeypatch.setattr(SandboxProvider, "confirm_intent", confirm_while_staff_cancel)
    monkeypatch.setattr(event_services, "mark_cancelled", slow_mark_cancelled)

    def pay():
        return confirm_booking(user=buyer, hold_id=hold.pk, card=card())

    def cancel():
        assert charging.wait(10)
        return cancel_event(event_id=event.pk).status

    (_, pay_error), (cancelled, cancel_error) = run_at_once([pay, cancel])
    assert cancel_error is None and cancelled == Event.Status.CANCELLED
    assert isinstance(pay_error, Gone), pay_error
    assert pay_error.extra["refunded"] is True
    assert _no_paid_booking_on_a_cancelled_event(event)
    payment = Payment.objects.get(booking__hold=hold)
    assert Refund.objects.filter(payment=payment, status=Refund.Status.SUCCEEDED).exists()


@pytest.mark.django_db(transaction=True)
def test_a_cancellation_during_a_checkout_counts_its_booking(monkeypatch):
    event = on_sale_event(rows=1, seats_per_row=4)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.pk, quantity=2)
    selling = threading.Event()
    original_sell = lifecycle.seats.sell

    def slow_sell(seat_ids):
        selling.set()  # the checkout has looked at the event and is selling its seats
        time.sleep(1.0)
        return original_sell(seat_ids)

    monkeypatch.setattr(lifecycle.seats, "sell", slow_sell)

    def pay():
        return confirm_booking(user=buyer, hold_id=hold.pk, card=card()).status

    def cancel():
        assert selling.wait(10)
        return cancel_event(event_id=event.pk)

    (status, pay_error), (_, cancel_error) = run_at_once([pay, cancel])
    assert pay_error is None and status == Booking.Status.CONFIRMED
    assert isinstance(cancel_error, RuleBroken) and cancel_error.code == "event_has_bookings"
    assert _no_paid_booking_on_a_cancelled_event(event)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"sales_end": "past"},
        {"starts_at": "past"},
        {"status": Event.Status.CANCELLED},
    ],
    ids=["sales window closed", "event started", "cancelled"],
)
def test_checkout_refuses_a_hold_the_event_no_longer_sells_and_charges_nothing(change):
    event = on_sale_event(rows=1, seats_per_row=4)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.pk, quantity=2)
    past = timezone.now() - timedelta(seconds=1)
    values = {k: (past if v == "past" else v) for k, v in change.items()}
    if "status" not in values:
        values["sales_start"] = past - timedelta(days=1)
    if "starts_at" in values:
        values["sales_end"] = None
    Event.objects.filter(pk=event.pk).update(**values)  # as staff do; no cache is told
    with pytest.raises(RuleBroken) as exc:
        confirm_booking(user=buyer, hold_id=hold.pk, card=card())
    assert exc.value.code == "event_not_on_sale"
    assert not Payment.objects.exists()
    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.ACTIVE


@pytest.mark.django_db
def test_checkout_refuses_more_seats_than_the_order_limit_staff_lowered():
    event = on_sale_event(rows=1, seats_per_row=6)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.pk, quantity=4)
    Event.objects.filter(pk=event.pk).update(max_seats_per_order=3)
    with pytest.raises(RuleBroken) as exc:
        confirm_booking(user=buyer, hold_id=hold.pk, card=card())
    assert exc.value.code == "too_many_seats" and exc.value.extra["max_seats"] == 3
    assert not Payment.objects.exists()
