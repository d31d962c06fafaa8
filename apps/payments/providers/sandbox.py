"""A card gateway for demos and tests that behaves like a real one: PaymentIntents created with
an idempotency key and confirmed at most once, refunds recorded once, and signed webhooks that it
delivers to the shop's own webhook handler. Its test payment methods (the demo form's card
numbers turn into these; the API takes either):

    pm_card_visa            4242 4242 4242 4242  succeeds
    pm_card_chargeDeclined  4000 0000 0000 0002  is declined (card_declined)
    pm_card_flaky           4000 0000 0000 0119  the first confirmation answers a gateway error
                                                 (nothing charged); the next one goes through
    any other number        is declined (incorrect_number), as a gateway in test mode does

Its ledger (SandboxCharge) is what a real gateway's dashboard would show. No card number is
kept: only the payment method's name and the last four digits."""

import hashlib
import hmac
import json
import secrets
import time
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import SandboxCharge, SandboxRefund
from .base import (
    CARD_DECLINED,
    NO_SUCH_INTENT,
    NO_SUCH_PAYMENT_METHOD,
    NOT_A_TEST_CARD,
    CardDetails,
    GatewayRefused,
    GatewayUnavailable,
    IntentResult,
    InvalidSignature,
    Outcome,
    PaymentProvider,
    RefundResult,
    WebhookMessage,
)

SUCCESS_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
PROCESSING_ERROR_CARD = "4000000000000119"
_METHODS = {
    SUCCESS_CARD: "pm_card_visa",
    DECLINE_CARD: "pm_card_chargeDeclined",
    PROCESSING_ERROR_CARD: "pm_card_flaky",
}
_LAST4 = {method: number[-4:] for number, method in _METHODS.items()}
SIGNATURE_TOLERANCE_SECONDS = 300

_OUTCOMES = {
    SandboxCharge.Status.REQUIRES_CONFIRMATION: Outcome.CREATED,
    SandboxCharge.Status.SUCCEEDED: Outcome.SUCCEEDED,
    SandboxCharge.Status.DECLINED: Outcome.DECLINED,
    SandboxCharge.Status.CANCELED: Outcome.CANCELED,
}


def webhook_secret() -> str:
    configured = settings.TICKETING.get("SANDBOX_WEBHOOK_SECRET")
    if configured:
        return configured
    # Derived from SECRET_KEY, so `make run` needs no configuration.
    return hmac.new(settings.SECRET_KEY.encode(), b"sandbox-webhooks", "sha256").hexdigest()


def sign(payload: bytes, timestamp: int | None = None) -> str:
    """A Stripe-style signature header: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(webhook_secret().encode(), b"%d." % timestamp + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def payment_method_for_card(self, card: CardDetails) -> str:
        return _METHODS.get(card.number, f"pm_card_unknown_{card.last4}")

    def create_intent(self, *, amount, currency, key, order_ref, payment_method=""):
        if not payment_method.startswith("pm_card_"):
            raise GatewayRefused(NO_SUCH_PAYMENT_METHOD, code="payment_method_invalid")
        try:
            with transaction.atomic():
                charge = SandboxCharge.objects.create(
                    id="pi_sandbox_" + secrets.token_hex(10),
                    idempotency_key=key,
                    order_ref=order_ref,
                    amount=amount,
                    currency=currency,
                    payment_method=payment_method,
                    card_last4=_LAST4.get(payment_method, payment_method[-4:]),
                    status=SandboxCharge.Status.REQUIRES_CONFIRMATION,
                )
        except IntegrityError:
            # The same key again (a retried request): the same intent, as Stripe answers.
            charge = SandboxCharge.objects.get(idempotency_key=key)
        return self._result(charge)

    def confirm_intent(self, *, intent_id, key):
        with transaction.atomic():
            charge = SandboxCharge.objects.select_for_update().filter(id=intent_id).first()
            if charge is None:
                raise GatewayRefused(NO_SUCH_INTENT, code="intent_not_found")
            if charge.status != SandboxCharge.Status.REQUIRES_CONFIRMATION:
                return self._result(charge)  # confirmed before: the same answer, no new charge
            charge.confirm_attempts += 1
            if charge.payment_method == "pm_card_flaky" and charge.confirm_attempts == 1:
                charge.save(update_fields=["confirm_attempts"])
                failed = True
            else:
                failed = False
                charge.status = (
                    SandboxCharge.Status.SUCCEEDED
                    if charge.payment_method in ("pm_card_visa", "pm_card_flaky")
                    else SandboxCharge.Status.DECLINED
                )
                charge.save(update_fields=["confirm_attempts", "status"])
                kind = "succeeded" if charge.status == "succeeded" else "payment_failed"
                self._emit(f"payment_intent.{kind}", charge)
        if failed:
            raise GatewayUnavailable("sandbox: processing error (503), nothing was charged")
        return self._result(charge)

    def retrieve_intent(self, *, intent_id):
        charge = SandboxCharge.objects.filter(id=intent_id).first()
        if charge is None:
            raise GatewayRefused(NO_SUCH_INTENT, code="intent_not_found")
        return self._result(charge)

    def cancel_intent(self, *, intent_id):
        SandboxCharge.objects.filter(
            id=intent_id, status=SandboxCharge.Status.REQUIRES_CONFIRMATION
        ).update(status=SandboxCharge.Status.CANCELED)
        return self.retrieve_intent(intent_id=intent_id)

    def refund(self, *, intent_id, amount: Decimal, currency: str, key):
        """Refunds `amount` of the charge, once per key; several keys may refund parts of it,
        never more than it in all."""
        if SandboxRefund.objects.filter(key=key, charge_id=intent_id).exists():
            # Refunded by an earlier call with this key: the same answer, not a second refund.
            return RefundResult(succeeded=True, refund_id=f"re_{key}"[:100])
        try:
            with transaction.atomic():
                updated = SandboxCharge.objects.filter(
                    id=intent_id,
                    status=SandboxCharge.Status.SUCCEEDED,
                    refunded_amount__lte=F("amount") - amount,
                ).update(refunded_amount=F("refunded_amount") + amount, refunded_at=timezone.now())
                if updated:
                    SandboxRefund.objects.create(key=key, charge_id=intent_id, amount=amount)
                    self._emit("charge.refunded", SandboxCharge.objects.get(id=intent_id))
        except IntegrityError:  # the same key, refunded by a concurrent call
            return RefundResult(succeeded=True, refund_id=f"re_{key}"[:100])
        if updated:
            return RefundResult(succeeded=True, refund_id=f"re_{key}"[:100])
        return RefundResult(succeeded=False, failure_message="charge not found or not refundable")

    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookMessage:
        parts = dict(p.split("=", 1) for p in (signature or "").split(",") if "=" in p)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise InvalidSignature("no timestamp") from None
        expected = sign(payload, timestamp).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise InvalidSignature("signature mismatch")
        if abs(time.time() - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
            raise InvalidSignature("timestamp outside the tolerance")
        event = json.loads(payload)
        intent = event["data"]["object"]
        return WebhookMessage(
            event_id=event["id"],
            type=event["type"],
            intent_id=intent.get("id", ""),
            key=intent.get("metadata", {}).get("ticketing_key", ""),
            failure_code=intent.get("failure_code", ""),
            payload=event,
        )

    def _emit(self, event_type: str, charge: SandboxCharge) -> None:
        """Signs the event and delivers it once the ledger's transaction commits, as a gateway
        posts to the shop's webhook endpoint (the task calls the same handler as the view)."""
        if not settings.TICKETING.get("SANDBOX_WEBHOOKS", True):
            return
        from ..tasks import deliver_sandbox_webhook  # the task module imports the services

        payload, header = signed_event(event_type, charge)
        transaction.on_commit(lambda: deliver_sandbox_webhook.delay(payload, header))

    def _result(self, charge: SandboxCharge) -> IntentResult:
        outcome = _OUTCOMES[charge.status]
        declined = outcome == Outcome.DECLINED
        known = charge.payment_method == "pm_card_chargeDeclined"
        return IntentResult(
            outcome=outcome,
            intent_id=charge.id,
            client_secret=f"{charge.id}_secret_sandbox",
            card_last4=charge.card_last4,
            failure_code=("card_declined" if known else "incorrect_number") if declined else "",
            failure_message=(CARD_DECLINED if known else NOT_A_TEST_CARD) if declined else "",
        )


def signed_event(event_type: str, charge: SandboxCharge) -> tuple[str, str]:
    """The event the sandbox sends about one of its intents: (JSON payload, signature)."""
    event = {
        "id": "evt_sandbox_" + secrets.token_hex(10),
        "type": event_type,
        "created": int(time.time()),
        "data": {
            "object": {
                "id": charge.id,
                "object": "payment_intent",
                "status": charge.status,
                "amount": str(charge.amount),
                "currency": charge.currency,
                "metadata": {"ticketing_key": charge.idempotency_key},
                "failure_code": "card_declined" if charge.status == "declined" else "",
            }
        },
    }
    payload = json.dumps(event)
    return payload, sign(payload.encode())
