"""Crash injection at each step of checkout, then `reconcile_payments`: every case ends in
valid tickets or a refund, and the gauge of money without tickets is back to 0. The crash is a
real exception (tests/payments/faults.Crash, which nothing in the shop catches) raised between
two steps; no webhook arrives (these tests run inside one transaction, so the sandbox's
deliveries, sent on commit, never go: a lost webhook)."""

import pytest
from django.core.management import call_command
from prometheus_client import REGISTRY

from apps.bookings import services as booking_services
from apps.bookings.models import Booking, Ticket
from apps.bookings.reconciliation import money_without_tickets, reconcile_payments
from apps.bookings.services import PaymentStatusUnknown, confirm_booking
from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat
from apps.payments import services as payment_services
from apps.payments.models import Payment, Refund, SandboxCharge
from apps.payments.providers.base import CardDetails
from apps.payments.providers.sandbox import SandboxProvider
from tests.bookings.test_checkout_guards import run_out
from tests.factories import UserFactory, on_sale_event
from tests.inventory.invariants import assert_no_seat_taken_twice
from tests.payments.faults import Crash

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reconcile_at_once(settings):
    settings.TICKETING = {
        **settings.TICKETING,
        "RECONCILE_AFTER_SECONDS": 0,
        "REFUND_RETRY_BASE_SECONDS": 0,
    }


@pytest.fixture
def event():
    return on_sale_event(rows=1, seats_per_row=6, price="45.00")


@pytest.fixture
def buyer():
    return UserFactory()


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")


def gauge() -> float:
    return REGISTRY.get_sample_value("ticketing_money_without_tickets")


def assert_tickets_or_refund():
    """What a buyer must be able to count on: money kept means valid tickets."""
    assert money_without_tickets().count() == 0
    for payment in Payment.objects.filter(status__in=["succeeded", "refunded"]):
        tickets = Ticket.objects.filter(booking=payment.booking, status="valid").count()
        refunded = Refund.objects.filter(payment=payment, status="succeeded").exists()
        assert (tickets > 0) != refunded, payment
    assert gauge() == 0


def test_a_crash_after_the_gateway_charged(faulty_gateway, event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    faulty_gateway.crash_after_confirm = True
    with pytest.raises(Crash):
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert SandboxCharge.objects.get().status == "succeeded", "the money was taken"
    assert Payment.objects.get().status == "pending", "but the shop never heard"

    report = reconcile_payments()

    assert report.looked_up == 1 and report.settled == 1
    booking = Booking.objects.get()
    assert booking.status == "confirmed" and booking.tickets.count() == 2
    assert Payment.objects.get().status == "succeeded"
    assert_tickets_or_refund()
    assert_no_seat_taken_twice(event)


def test_a_crash_after_the_payment_row_was_marked_paid(monkeypatch, event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)

    def crash(payment_id):
        raise Crash("killed before settling")

    monkeypatch.setattr(booking_services, "settle_paid_booking", crash)
    with pytest.raises(Crash):
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    monkeypatch.undo()
    assert Payment.objects.get().status == "succeeded"
    assert Booking.objects.get().status == "pending"
    assert money_without_tickets().count() == 1

    call_command("reconcile_payments")

    assert Booking.objects.get().status == "confirmed"
    assert_tickets_or_refund()


def test_a_crash_before_the_booking_is_confirmed(monkeypatch, event, buyer):
    """Inside the settling transaction, after the seats were sold: it all rolls back."""
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    original = booking_services.sell_hold

    def sell_then_crash(**kwargs):
        original(**kwargs)
        raise Crash("killed before the tickets were written")

    monkeypatch.setattr(booking_services, "sell_hold", sell_then_crash)
    with pytest.raises(Crash):
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    monkeypatch.undo()
    assert Booking.objects.get().status == "pending"
    assert not EventSeat.objects.filter(status="sold").exists(), "rolled back"

    reconcile_payments()

    assert Booking.objects.get().status == "confirmed"
    assert EventSeat.objects.filter(status="sold").count() == 2
    assert_tickets_or_refund()


def test_a_crash_after_the_booking_failed_but_before_the_refund(monkeypatch, event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    seats = sorted(line["id"] for line in hold.seat_lines)
    original = SandboxProvider.confirm_intent

    def seats_lost_while_paying(self, **kwargs):
        result = original(self, **kwargs)
        run_out(hold)
        hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats)
        return result

    def crash(refund):
        raise Crash("killed before the refund was sent")

    monkeypatch.setattr(SandboxProvider, "confirm_intent", seats_lost_while_paying)
    monkeypatch.setattr(payment_services, "run_refund", crash)
    with pytest.raises(Crash):
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    monkeypatch.undo()
    assert Booking.objects.get().status == "failed"
    refund = Refund.objects.get()
    assert refund.status == "pending", "recorded with the failed booking, in its transaction"
    assert money_without_tickets().count() == 1

    report = reconcile_payments()

    assert report.refunds_sent == 1
    assert Refund.objects.get().status == "succeeded"
    assert Payment.objects.get().status == "refunded"
    charge = SandboxCharge.objects.get()
    assert charge.refunded_amount == charge.amount
    assert_tickets_or_refund()


def test_a_timeout_then_a_retry_charges_once(faulty_gateway, event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    faulty_gateway.lose_confirm_answers = 3  # the first try and both retries time out
    with pytest.raises(PaymentStatusUnknown) as err:
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert err.value.status_code == 502 and err.value.retryable
    assert Payment.objects.get().status == "unknown", "a timeout is not 'not charged'"

    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())

    assert booking.status == "confirmed"
    charge = SandboxCharge.objects.get()
    assert charge.status == "succeeded" and charge.confirm_attempts == 1
    assert Payment.objects.count() == 1
    assert_tickets_or_refund()


def test_a_timeout_is_finished_by_the_reconciliation_alone(faulty_gateway, event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    faulty_gateway.lose_confirm_answers = 3
    with pytest.raises(PaymentStatusUnknown):
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    reconcile_payments()
    assert Booking.objects.get().status == "confirmed"
    assert_tickets_or_refund()


def test_an_intent_never_confirmed_is_not_charged_and_the_buyer_may_pay_again(
    faulty_gateway, event, buyer
):
    """The process died between creating the intent and confirming it."""
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    original = faulty_gateway.confirm_intent

    def die(self, **kwargs):
        raise Crash("killed before confirming")

    faulty_gateway.confirm_intent = die
    try:
        with pytest.raises(Crash):
            confirm_booking(user=buyer, hold_id=hold.id, card=card())
    finally:
        faulty_gateway.confirm_intent = original
    run_out(hold)  # and the buyer went away
    reconcile_payments()
    payment = Payment.objects.get()
    assert payment.status == "failed"
    assert SandboxCharge.objects.get().status == "canceled", "it cannot be paid any more"
    assert_tickets_or_refund()


def test_a_refund_that_keeps_failing_gives_up_into_the_attention_list(
    faulty_gateway, settings, event, buyer, staff_user, client
):
    settings.TICKETING = {**settings.TICKETING, "REFUND_MAX_ATTEMPTS": 2}
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    faulty_gateway.unreachable = True
    booking_services.cancel_booking(user=buyer, reference=booking.reference)
    assert Refund.objects.get().status == "pending"
    reconcile_payments()
    assert Refund.objects.get().status == "failed" and Refund.objects.get().attempts == 2
    assert gauge() == 1

    client.force_login(staff_user)
    page = client.get("/admin/payments/paymentneedingattention/")
    assert page.status_code == 200
    html = page.content.decode()
    assert booking.reference in html and "paid without tickets" in html


def test_an_unconfirmed_intent_is_not_confirmed_once_the_hold_ran_out(
    faulty_gateway, settings, event, buyer
):
    """The breaker was open when the intent was to be confirmed; the buyer comes back after the
    hold ran out: the intent is canceled, nothing is charged, the hold's end is said."""
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    original = faulty_gateway.confirm_intent

    def breaker_open(self, **kwargs):
        from apps.payments.gateway import BreakerOpen

        raise BreakerOpen("open")

    faulty_gateway.confirm_intent = breaker_open
    try:
        with pytest.raises(booking_services.PaymentUnavailable):
            confirm_booking(user=buyer, hold_id=hold.id, card=card())
    finally:
        faulty_gateway.confirm_intent = original
    assert Payment.objects.get().status == "pending"
    run_out(hold)

    with pytest.raises(booking_services.Gone) as err:
        confirm_booking(user=buyer, hold_id=hold.id, card=card())

    assert err.value.code == "hold_expired" and err.value.extra["refunded"] is False
    assert SandboxCharge.objects.get().status == "canceled"
    assert Payment.objects.get().status == "failed"
    reconcile_payments()
    assert_tickets_or_refund()


def test_beat_reconciles_every_minute_through_the_task(faulty_gateway, settings, event, buyer):
    from apps.bookings.tasks import reconcile_payments_task

    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-payments"]
    assert entry["task"] == reconcile_payments_task.name and entry["schedule"] == 60.0
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    faulty_gateway.crash_after_confirm = True
    with pytest.raises(Crash):
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert reconcile_payments_task.delay().get() == 0, "nothing left paid without tickets"
    assert Booking.objects.get().status == "confirmed"
