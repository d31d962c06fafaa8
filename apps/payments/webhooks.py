"""Gateway webhooks: verified, stored once, applied in one transaction.

`receive` is what the endpoint (apps.payments.views) and the sandbox's own delivery call. The
event is stored (WebhookEvent, unique per gateway event id) and the payment it names updated in
the same transaction; a replay finds the stored event and does nothing. What follows a payment
that succeeded (tickets or a refund) belongs to bookings, which listens to `payment_succeeded`
(sent after the commit, with the payment's id); if the process dies in between, the
reconciliation finishes it."""

import logging
import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from apps.common import metrics

from .models import Payment, Refund, WebhookEvent
from .providers.base import IntentResult, Outcome, PaymentProvider
from .services import record

logger = logging.getLogger(__name__)

# Sent with payment_id= once a payment is known to have succeeded (apps.bookings connects).
payment_succeeded = Signal()

_APPLIED = {
    "payment_intent.succeeded": Outcome.SUCCEEDED,
    "payment_intent.payment_failed": Outcome.DECLINED,
    "payment_intent.processing": Outcome.PROCESSING,
    "payment_intent.requires_action": Outcome.REQUIRES_ACTION,
    "payment_intent.canceled": Outcome.CANCELED,
}


def receive(provider: PaymentProvider, *, payload: bytes, signature: str) -> str:
    """Verifies and applies one delivery; returns what was done. InvalidSignature passes
    through (the endpoint answers 400 and nothing changes)."""
    message = provider.parse_webhook(payload=payload, signature=signature)
    succeeded_payment = None
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=provider.name,
                event_id=message.event_id[:100],
                type=message.type[:100],
                intent_id=message.intent_id[:100],
                payload=message.payload,
            )
            payment = _payment_for(message)
            if payment is None:
                outcome = "unknown_payment"
            elif message.type in _APPLIED:
                result = IntentResult(
                    outcome=_APPLIED[message.type],
                    intent_id=message.intent_id,
                    failure_code=message.failure_code,
                    failure_message=message.failure_message,
                )
                payment = record(payment, result)
                outcome = "applied"
                if payment.status == Payment.Status.SUCCEEDED:
                    succeeded_payment = payment
            elif message.type == "charge.refunded":
                outcome = _record_refund(payment)
            else:
                outcome = "ignored"
            WebhookEvent.objects.filter(pk=event.pk).update(outcome=outcome)
    except IntegrityError:
        metrics.WEBHOOKS.labels("replay").inc()
        logger.info("webhook replay provider=%s event=%s", provider.name, message.event_id)
        return "replay"
    metrics.WEBHOOKS.labels(outcome).inc()
    log = logger.warning if outcome == "unknown_payment" else logger.info
    log(
        "webhook %s provider=%s event=%s type=%s intent=%s",
        outcome,
        provider.name,
        message.event_id,
        message.type,
        message.intent_id,
    )
    if succeeded_payment is not None:
        payment_succeeded.send(sender=Payment, payment_id=succeeded_payment.pk)
    return outcome


def _record_refund(payment: Payment) -> str:
    """The gateway says the charge was (partly) refunded: by us (our oldest refund still
    pending is marked done, if the answer to our call was lost) or in the gateway's dashboard
    (recorded as a full refund, when we had none). The payment counts as refunded once its
    refunds cover it."""
    refunds = Refund.objects.select_for_update().filter(payment=payment)
    pending = refunds.filter(status=Refund.Status.PENDING).order_by("sequence").first()
    if pending is not None:
        Refund.objects.filter(pk=pending.pk).update(
            status=Refund.Status.SUCCEEDED, next_attempt_at=None, last_error=""
        )
    elif not refunds.exists():
        Refund.objects.create(
            payment=payment,
            amount=payment.amount,
            reason="refunded_at_gateway",
            status=Refund.Status.SUCCEEDED,
        )
        Payment.objects.filter(pk=payment.pk).update(refunded_amount=F("amount"))
    Payment.objects.filter(
        pk=payment.pk, status=Payment.Status.SUCCEEDED, refunded_amount__gte=F("amount")
    ).update(status=Payment.Status.REFUNDED, updated_at=timezone.now())
    return "refund_recorded"


def _payment_for(message) -> Payment | None:
    payments = Payment.objects.select_for_update()
    if message.intent_id:
        found = payments.filter(intent_id=message.intent_id).first()
        if found is not None:
            return found
    if message.key.startswith("pay_"):
        # The intent's metadata names our key: found even when a crash kept us from storing
        # the intent's id.
        try:
            payment_id = uuid.UUID(hex=message.key.removeprefix("pay_"))
        except ValueError:  # not one of ours
            return None
        return payments.filter(pk=payment_id).first()
    return None
