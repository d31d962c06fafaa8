from decimal import Decimal

import pytest

from apps.bookings.services import confirm_booking
from apps.inventory.holds import hold_seats
from apps.payments.models import Payment, Refund, SandboxCharge
from apps.payments.providers.base import CardDetails, ProviderError
from apps.payments.providers.sandbox import SandboxProvider
from apps.payments.services import refund_payment, retry_failed_refunds
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def card(number="4242424242424242"):
    return CardDetails.parse(number=number, exp_month=12, exp_year=2035, cvc="123")


def test_the_gateway_never_charges_one_key_twice():
    gateway = SandboxProvider()
    kwargs = {"amount": Decimal("10.00"), "currency": "EUR", "card": card(), "order_ref": "TK-1"}
    first = gateway.charge(idempotency_key="k", **kwargs)
    again = gateway.charge(idempotency_key="k", **kwargs)
    assert first.status == again.status == "succeeded"
    assert first.charge_id == again.charge_id
    assert SandboxCharge.objects.count() == 1


def test_unknown_card_numbers_are_declined_like_a_test_mode_gateway():
    result = SandboxProvider().charge(
        amount=Decimal("1.00"),
        currency="EUR",
        card=card("4111111111111111"),
        idempotency_key="x",
        order_ref="TK-2",
    )
    assert result.status == "declined" and result.failure_code == "incorrect_number"


def test_a_refund_happens_once_and_a_failed_one_is_retried(monkeypatch):
    event = on_sale_event(rows=1, seats_per_row=4)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    payment = Payment.objects.get(booking=booking)

    def gateway_down(self, **kwargs):
        raise ProviderError("gateway unreachable")

    monkeypatch.setattr(SandboxProvider, "refund", gateway_down)
    refund = refund_payment(payment=payment, reason="staff")
    assert refund.status == "failed"
    assert Payment.objects.get(pk=payment.pk).status == "succeeded", "not refunded yet"

    monkeypatch.undo()
    assert retry_failed_refunds() == 1
    assert Refund.objects.get().status == "succeeded"
    assert Payment.objects.get(pk=payment.pk).status == "refunded"
    charge = SandboxCharge.objects.get()
    assert charge.refunded_amount == charge.amount == Decimal("90.00")
    # Asking again changes nothing: no second refund at the gateway.
    assert refund_payment(payment=payment, reason="staff").status == "succeeded"
    assert SandboxCharge.objects.get().refunded_amount == Decimal("90.00")
    assert retry_failed_refunds() == 0
