from decimal import Decimal

import pytest

from apps.bookings.services import confirm_booking
from apps.inventory.holds import hold_seats
from apps.payments.models import Payment, Refund, SandboxCharge
from apps.payments.providers.base import CardDetails, GatewayUnavailable, Outcome
from apps.payments.providers.sandbox import SandboxProvider
from apps.payments.services import refund_payment, retry_due_refunds
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def card(number="4242424242424242"):
    return CardDetails.parse(number=number, exp_month=12, exp_year=2035, cvc="123")


def intent(gateway, key="k", method="pm_card_visa"):
    return gateway.create_intent(
        amount=Decimal("10.00"), currency="EUR", key=key, order_ref="TK-1", payment_method=method
    )


def test_one_key_is_one_intent_and_an_intent_charges_once():
    gateway = SandboxProvider()
    first, again = intent(gateway), intent(gateway)
    assert first.outcome == again.outcome == Outcome.CREATED
    assert first.intent_id == again.intent_id
    paid = gateway.confirm_intent(intent_id=first.intent_id, key="c")
    repeated = gateway.confirm_intent(intent_id=first.intent_id, key="c")
    assert paid.outcome == repeated.outcome == Outcome.SUCCEEDED
    assert SandboxCharge.objects.get().confirm_attempts == 1


def test_unknown_card_numbers_are_declined_like_a_test_mode_gateway():
    gateway = SandboxProvider()
    method = gateway.payment_method_for_card(card("4111111111111111"))
    created = intent(gateway, method=method)
    result = gateway.confirm_intent(intent_id=created.intent_id, key="c")
    assert result.outcome == Outcome.DECLINED and result.failure_code == "incorrect_number"
    assert "4111111111111111" not in method, "the card number is not in the method's name"


def test_the_flaky_card_fails_once_without_charging():
    gateway = SandboxProvider()
    created = intent(gateway, method="pm_card_flaky")
    with pytest.raises(GatewayUnavailable):
        gateway.confirm_intent(intent_id=created.intent_id, key="c")
    assert SandboxCharge.objects.get().status == "requires_confirmation"
    assert gateway.confirm_intent(intent_id=created.intent_id, key="c").outcome == "succeeded"


def test_a_refund_happens_once_and_a_failed_one_is_retried(monkeypatch, settings):
    settings.TICKETING = {**settings.TICKETING, "REFUND_RETRY_BASE_SECONDS": 0}
    event = on_sale_event(rows=1, seats_per_row=4)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    payment = Payment.objects.get(booking=booking)

    def gateway_down(self, **kwargs):
        raise GatewayUnavailable("gateway unreachable")

    monkeypatch.setattr(SandboxProvider, "refund", gateway_down)
    refund = refund_payment(payment=payment, reason="staff")
    assert refund.status == "pending" and refund.attempts == 1 and refund.last_error
    assert Payment.objects.get(pk=payment.pk).status == "succeeded", "not refunded yet"

    monkeypatch.undo()
    assert retry_due_refunds() == 1
    assert Refund.objects.get().status == "succeeded"
    assert Payment.objects.get(pk=payment.pk).status == "refunded"
    charge = SandboxCharge.objects.get()
    assert charge.refunded_amount == charge.amount == Decimal("90.00")
    # Asking again changes nothing: no second refund at the gateway.
    assert refund_payment(payment=payment, reason="staff").status == "succeeded"
    assert SandboxCharge.objects.get().refunded_amount == Decimal("90.00")
    assert retry_due_refunds() == 0


def test_the_admin_lists_payments_webhooks_and_refunds(client, staff_user):
    client.force_login(staff_user)
    for path in ("payment", "refund", "webhookevent", "sandboxcharge", "paymentneedingattention"):
        response = client.get(f"/admin/payments/{path}/?q=TK")
        assert response.status_code == 200, path
