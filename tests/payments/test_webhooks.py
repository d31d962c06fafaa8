"""Webhooks: signed, stored once, applied once, through POST /webhooks/sandbox/ on the real
PostgreSQL. The sandbox signs its events like Stripe (t=...,v1=HMAC)."""

import pytest
from django.test import Client

from apps.bookings.models import Booking, Ticket
from apps.bookings.services import PaymentStatusUnknown, confirm_booking
from apps.inventory.holds import hold_seats
from apps.payments.models import Payment, SandboxCharge, WebhookEvent
from apps.payments.providers.base import CardDetails
from apps.payments.providers.sandbox import sign, signed_event
from tests.concurrency import run_at_once
from tests.factories import UserFactory, on_sale_event
from tests.inventory.invariants import assert_no_seat_taken_twice

URL = "/webhooks/sandbox/"


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")


def post(payload: str, signature: str):
    return Client().post(
        URL, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


@pytest.fixture
def charged_but_unanswered(faulty_gateway, settings):
    """A checkout whose card was charged while every answer to it was lost: the payment is
    `unknown`. Returns (buyer, hold, event)."""
    settings.TICKETING = {**settings.TICKETING, "SANDBOX_WEBHOOKS": False}
    event = on_sale_event(rows=1, seats_per_row=6, price="45.00")
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    faulty_gateway.lose_confirm_answers = 3
    with pytest.raises(PaymentStatusUnknown):
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert Payment.objects.get().status == "unknown"
    return buyer, hold, event


@pytest.mark.django_db(transaction=True)
def test_one_event_five_times_at_once_with_the_synchronous_retry(charged_but_unanswered):
    buyer, hold, event = charged_but_unanswered
    payload, signature = signed_event("payment_intent.succeeded", SandboxCharge.objects.get())

    calls = [lambda: post(payload, signature).status_code for _ in range(5)]
    calls.append(lambda: confirm_booking(user=buyer, hold_id=hold.id, card=card()).status)
    outcomes = run_at_once(calls)

    webhook_answers = [result for result, _ in outcomes[:5]]
    assert webhook_answers == [200] * 5, outcomes
    assert outcomes[5] == ("confirmed", None), "the synchronous retry confirms, whoever is first"
    assert WebhookEvent.objects.count() == 1
    assert Payment.objects.count() == 1 and Payment.objects.get().status == "succeeded"
    booking = Booking.objects.get()
    assert booking.status == "confirmed"
    assert Ticket.objects.filter(status="valid").count() == 2
    assert SandboxCharge.objects.get().confirm_attempts == 1
    assert_no_seat_taken_twice(event)


@pytest.mark.django_db
def test_a_replay_is_a_200_that_does_nothing(charged_but_unanswered):
    payload, signature = signed_event("payment_intent.succeeded", SandboxCharge.objects.get())
    first = post(payload, signature)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    assert Booking.objects.get().status == "confirmed"
    again = post(payload, signature)
    assert again.status_code == 200 and again.json()["outcome"] == "replay"
    assert WebhookEvent.objects.count() == 1
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_a_bad_signature_is_a_400_and_changes_nothing(charged_but_unanswered):
    payload, signature = signed_event("payment_intent.succeeded", SandboxCharge.objects.get())
    forged = sign(payload.replace("succeeded", "succeeded ").encode())
    assert post(payload, forged).status_code == 400
    assert post(payload, "").status_code == 400
    assert post(payload, "t=1,v1=" + signature.split("v1=")[1]).status_code == 400, "old"
    assert not WebhookEvent.objects.exists()
    assert Payment.objects.get().status == "unknown"
    assert Booking.objects.get().status == "pending"


@pytest.mark.django_db
def test_an_event_for_an_unknown_payment_is_stored_and_logged(caplog):
    charge = SandboxCharge.objects.create(
        id="pi_sandbox_elsewhere",
        idempotency_key="someone-else",
        order_ref="X",
        amount="1.00",
        currency="EUR",
        payment_method="pm_card_visa",
        card_last4="4242",
        status="succeeded",
    )
    response = post(*signed_event("payment_intent.succeeded", charge))
    assert response.status_code == 200 and response.json()["outcome"] == "unknown_payment"
    assert WebhookEvent.objects.get().outcome == "unknown_payment"
    assert "unknown_payment" in caplog.text


@pytest.mark.django_db
def test_a_decline_reported_by_webhook_marks_the_attempt_declined(faulty_gateway, settings):
    settings.TICKETING = {**settings.TICKETING, "SANDBOX_WEBHOOKS": False}
    event = on_sale_event(rows=1, seats_per_row=2)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    faulty_gateway.lose_confirm_answers = 3
    declined = CardDetails.parse(number="4000000000000002", exp_month=12, exp_year=2035, cvc="123")
    with pytest.raises(PaymentStatusUnknown):  # declined at the gateway, the answer lost
        confirm_booking(user=buyer, hold_id=hold.id, card=declined)
    response = post(*signed_event("payment_intent.payment_failed", SandboxCharge.objects.get()))
    assert response.json()["outcome"] == "applied"
    assert Payment.objects.get().status == "declined"


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_delivers_its_own_webhooks():
    """Outside a test transaction the sandbox posts its signed event after its commit (eager
    Celery here); the event is stored and finds the booking already confirmed."""
    event = on_sale_event(rows=1, seats_per_row=2)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert booking.status == "confirmed"
    stored = WebhookEvent.objects.get()
    assert stored.type == "payment_intent.succeeded" and stored.outcome == "applied"
    assert stored.intent_id == Payment.objects.get().intent_id


@pytest.mark.django_db
def test_a_refund_made_at_the_gateway_is_recorded(settings):
    settings.TICKETING = {**settings.TICKETING, "SANDBOX_WEBHOOKS": False}
    event = on_sale_event(rows=1, seats_per_row=2)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    confirm_booking(user=buyer, hold_id=hold.id, card=card())
    charge = SandboxCharge.objects.get()
    response = post(*signed_event("charge.refunded", charge))
    assert response.json()["outcome"] == "refund_recorded"
    payment = Payment.objects.get()
    assert payment.status == "refunded"
    refund = payment.refunds.get()
    assert refund.status == "succeeded" and refund.reason == "refunded_at_gateway"


@pytest.mark.django_db
def test_a_late_success_of_a_declined_attempt_still_gets_the_tickets(settings):
    """The gateway reports success for an attempt we had closed (3-D Secure finished late in
    the browser): the money is there, so the booking is settled."""
    settings.TICKETING = {**settings.TICKETING, "SANDBOX_WEBHOOKS": False}
    event = on_sale_event(rows=1, seats_per_row=2)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    declined = CardDetails.parse(number="4000000000000002", exp_month=12, exp_year=2035, cvc="123")
    with pytest.raises(Exception, match="declined"):
        confirm_booking(user=buyer, hold_id=hold.id, card=declined)
    SandboxCharge.objects.update(status="succeeded")  # what the gateway says now
    response = post(*signed_event("payment_intent.succeeded", SandboxCharge.objects.get()))
    assert response.json()["outcome"] == "applied"
    assert Payment.objects.get().status == "succeeded"
    assert Booking.objects.get().status == "confirmed"
