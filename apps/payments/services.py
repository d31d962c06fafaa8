"""Payments and refunds. Every provider call happens outside database transactions; the
Payment row is written first (pending), so a crash mid-call leaves a trace, never a lost charge."""

import logging

from django.db import IntegrityError, transaction

from apps.common import metrics
from apps.common.errors import Conflict

from .models import Payment, Refund
from .providers.base import CardDetails, ProviderError, get_provider

logger = logging.getLogger(__name__)


def open_payment(*, booking, card: CardDetails) -> Payment:
    """Records a pending payment for the booking. Runs inside the caller's transaction; a second
    open payment for the same booking is refused by the database (a double-click, a retry in
    flight)."""
    try:
        with transaction.atomic():
            return Payment.objects.create(
                booking=booking,
                user_id=booking.user_id,
                amount=booking.total,
                currency=booking.currency,
                provider=get_provider().name,
                card_last4=card.last4,
            )
    except IntegrityError:
        raise Conflict(
            "A payment for this booking is already being processed.", code="payment_in_progress"
        ) from None


def charge_payment(*, payment: Payment, card: CardDetails, attempt_key: str | None) -> Payment:
    """Asks the provider to charge, then records the outcome. Must not run inside a transaction."""
    provider = get_provider()
    # The same attempt (a retried request) reaches the gateway with the same key: one charge.
    key = f"{payment.booking_id}:{attempt_key}" if attempt_key else str(payment.id)
    try:
        result = provider.charge(
            amount=payment.amount,
            currency=payment.currency,
            card=card,
            idempotency_key=key,
            order_ref=payment.booking.reference,
        )
        status = {
            "succeeded": Payment.Status.SUCCEEDED,
            "declined": Payment.Status.DECLINED,
        }.get(result.status, Payment.Status.FAILED)
        charge_id, code, message = result.charge_id, result.failure_code, result.failure_message
    except ProviderError as exc:
        status, charge_id, code, message = (
            Payment.Status.FAILED,
            "",
            "provider_unreachable",
            str(exc)[:255],
        )
    Payment.objects.filter(pk=payment.pk).update(
        status=status, provider_charge_id=charge_id, failure_code=code, failure_message=message
    )
    payment.status, payment.provider_charge_id = status, charge_id
    payment.failure_code, payment.failure_message = code, message
    metrics.PAYMENTS.labels(status).inc()
    logger.info(
        "payment %s payment=%s booking=%s amount=%s %s",
        status,
        payment.pk,
        payment.booking_id,
        payment.amount,
        payment.currency,
    )
    return payment


def refund_payment(*, payment: Payment, reason: str) -> Refund:
    # reason is a short code (hold_lost, booking_cancelled, staff) used as a metric label.
    """Gives a successful payment back, once. Must not run inside a transaction."""
    refund, _ = Refund.objects.get_or_create(
        payment=payment, defaults={"amount": payment.amount, "reason": reason[:200]}
    )
    if refund.status == Refund.Status.SUCCEEDED:
        return refund
    try:
        result = get_provider().refund(
            charge_id=payment.provider_charge_id,
            amount=refund.amount,
            idempotency_key=f"refund-{payment.pk}",
        )
    except ProviderError as exc:
        logger.error("refund failed payment=%s: %s", payment.pk, exc)
        result = None
    with transaction.atomic():
        if result is not None and result.succeeded:
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.SUCCEEDED, provider_refund_id=result.refund_id
            )
            Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.REFUNDED)
            refund.status = Refund.Status.SUCCEEDED
            payment.status = Payment.Status.REFUNDED
        else:
            Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.FAILED)
            refund.status = Refund.Status.FAILED
    metrics.REFUNDS.labels(reason, refund.status).inc()
    logger.info("refund %s payment=%s reason=%s", refund.status, payment.pk, reason)
    return refund


def retry_failed_refunds() -> int:
    """Re-tries refunds the provider did not complete (a periodic task). Returns how many
    succeeded now."""
    done = 0
    for refund in Refund.objects.filter(
        status__in=[Refund.Status.FAILED, Refund.Status.PENDING]
    ).select_related("payment", "payment__booking"):
        if refund_payment(payment=refund.payment, reason=refund.reason).status == "succeeded":
            done += 1
    return done
