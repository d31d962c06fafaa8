"""Stripe, through the official SDK: PaymentIntents, refunds and signed webhooks. Selected with
PAYMENT_PROVIDER=stripe; configured by STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY,
STRIPE_WEBHOOK_SECRET and STRIPE_API_BASE (unset: Stripe itself; set: another Stripe-compatible
server, which is how the tests run it against localstripe).

Card numbers never reach us: the browser (Stripe.js) or the mobile SDK turns the card into a
PaymentMethod (`pm_...`), and that is all we send. The SDK's own retries are off: the shop's
gateway module retries, with the same idempotency key, and counts what it does."""

from decimal import Decimal

import stripe
from django.conf import settings

from .base import (
    PAYMENT_REFUSED,
    GatewayRefused,
    GatewayUnavailable,
    IntentResult,
    InvalidSignature,
    Outcome,
    PaymentProvider,
    RefundResult,
    WebhookMessage,
)

# Currencies Stripe counts in whole units (no cents).
ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "jpy",
    "kmf",
    "krw",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}


def minor_units(amount: Decimal, currency: str) -> int:
    factor = 1 if currency.lower() in ZERO_DECIMAL else 100
    return int((Decimal(amount) * factor).to_integral_value())


class StripeProvider(PaymentProvider):
    name = "stripe"
    browser_confirms = True

    def __init__(self):
        knobs = settings.TICKETING
        base = knobs["STRIPE_API_BASE"] or None
        self.client = stripe.StripeClient(
            knobs["STRIPE_SECRET_KEY"] or "sk_test_unset",
            base_addresses={"api": base} if base else None,
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=knobs["PAYMENT_GATEWAY_TIMEOUT"]),
        )
        self.webhook_secret = knobs["STRIPE_WEBHOOK_SECRET"]
        self.publishable_key = knobs["STRIPE_PUBLISHABLE_KEY"]

    def create_intent(self, *, amount, currency, key, order_ref, payment_method=""):
        params = {
            "amount": minor_units(amount, currency),
            "currency": currency.lower(),
            "payment_method_types": ["card"],
            "metadata": {"ticketing_key": key, "booking": order_ref},
        }
        if payment_method:
            params["payment_method"] = payment_method
        return self._call(
            lambda: self.client.v1.payment_intents.create(params, {"idempotency_key": key})
        )

    def confirm_intent(self, *, intent_id, key):
        return self._call(
            lambda: self.client.v1.payment_intents.confirm(
                intent_id, None, {"idempotency_key": key}
            ),
            intent_id=intent_id,
        )

    def retrieve_intent(self, *, intent_id):
        return self._call(lambda: self.client.v1.payment_intents.retrieve(intent_id))

    def cancel_intent(self, *, intent_id):
        try:
            return self._call(lambda: self.client.v1.payment_intents.cancel(intent_id))
        except GatewayRefused:
            # Not cancelable any more (it succeeded or failed meanwhile): say what it is.
            return self.retrieve_intent(intent_id=intent_id)

    def refund(self, *, intent_id, amount, currency, key):
        # Always the amount: a partial refund (some tickets) must not give back the whole charge.
        params = {"payment_intent": intent_id, "amount": minor_units(amount, currency)}
        try:
            refund = self.client.v1.refunds.create(params, {"idempotency_key": key})
        except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
            raise GatewayUnavailable(f"stripe: {exc.__class__.__name__}") from None
        except stripe.StripeError as exc:
            return RefundResult(succeeded=False, failure_message=_safe(exc))
        return RefundResult(
            succeeded=refund.status in ("succeeded", "pending"), refund_id=refund.id
        )

    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookMessage:
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except stripe.SignatureVerificationError:
            raise InvalidSignature("stripe signature") from None
        obj = event.data.object.to_dict()
        is_intent = obj.get("object") == "payment_intent"
        intent_id = obj.get("id") if is_intent else (obj.get("payment_intent") or "")
        error = (obj.get("last_payment_error") or {}) if is_intent else {}
        return WebhookMessage(
            event_id=event.id,
            type=event.type,
            intent_id=intent_id or "",
            key=((obj.get("metadata") or {}).get("ticketing_key") or "") if is_intent else "",
            failure_code=str(error.get("code") or ""),
            failure_message=str(error.get("message") or "")[:255],
            payload={"id": event.id, "type": event.type, "object": obj.get("id")},
        )

    def _call(self, request, intent_id: str = "") -> IntentResult:
        try:
            intent = request()
        except stripe.CardError as exc:
            return IntentResult(
                outcome=Outcome.DECLINED,
                intent_id=intent_id,
                failure_code=str(exc.code or "card_declined"),
                failure_message=_safe(exc),
            )
        except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
            raise GatewayUnavailable(f"stripe: {exc.__class__.__name__}") from None
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            raise GatewayUnavailable(f"stripe refused our key: {exc.__class__.__name__}") from None
        except stripe.StripeError as exc:
            raise GatewayRefused(_safe(exc), code="payment_method_invalid") from None
        return _result(intent)


def _safe(exc) -> str:
    """Stripe's own user-facing message (it never contains card numbers)."""
    return str(getattr(exc, "user_message", None) or PAYMENT_REFUSED)[:255]


def _result(intent) -> IntentResult:
    data = intent.to_dict()
    status = data["status"]
    error = data.get("last_payment_error") or {}
    if status == "succeeded":
        outcome = Outcome.SUCCEEDED
    elif status == "requires_action":
        outcome = Outcome.REQUIRES_ACTION
    elif status in ("processing", "requires_capture"):
        outcome = Outcome.PROCESSING
    elif status == "canceled":
        outcome = Outcome.CANCELED
    elif status == "requires_payment_method" and error:
        outcome = Outcome.DECLINED
    else:  # requires_payment_method / requires_confirmation, never tried: nothing charged
        outcome = Outcome.CREATED
    return IntentResult(
        outcome=outcome,
        intent_id=data["id"],
        client_secret=data.get("client_secret") or "",
        failure_code=str(error.get("code") or ""),
        failure_message=str(error.get("message") or "")[:255],
    )
