"""A card gateway for demos and tests that behaves like a real one, test cards included:

    4242 4242 4242 4242  succeeds
    4000 0000 0000 0002  is declined (card_declined)
    4000 0000 0000 0119  fails with a processing error on the first attempt for an order, and
                         goes through on a retry (a flaky gateway: the error is retryable)
    any other number     is declined (incorrect_number), as a gateway in test mode does

It keeps its own ledger (SandboxCharge), keyed by the caller's idempotency key, so a retried
request returns the first result instead of charging again, and a refund is recorded once."""

import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import SandboxCharge
from .base import CardDetails, ChargeResult, PaymentProvider, RefundResult

SUCCESS_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
PROCESSING_ERROR_CARD = "4000000000000119"


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def charge(self, *, amount, currency, card: CardDetails, idempotency_key, order_ref):
        previous = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
        if previous is not None and previous.status != SandboxCharge.Status.FAILED:
            return self._result(previous)

        if card.number == SUCCESS_CARD:
            status = SandboxCharge.Status.SUCCEEDED
        elif card.number == PROCESSING_ERROR_CARD:
            failed_before = SandboxCharge.objects.filter(
                order_ref=order_ref, card_last4=card.last4, status=SandboxCharge.Status.FAILED
            ).exists()
            status = (
                SandboxCharge.Status.SUCCEEDED if failed_before else SandboxCharge.Status.FAILED
            )
        else:
            status = SandboxCharge.Status.DECLINED

        if previous is not None:
            # A retried processing error re-runs, as real gateways allow after a 5xx.
            previous.status = status
            previous.save(update_fields=["status"])
            return self._result(previous, card)
        try:
            with transaction.atomic():
                charge = SandboxCharge.objects.create(
                    id="ch_sandbox_" + secrets.token_hex(10),
                    idempotency_key=idempotency_key,
                    order_ref=order_ref,
                    amount=amount,
                    currency=currency,
                    card_last4=card.last4,
                    status=status,
                )
        except IntegrityError:
            # A concurrent request with the same key won the race: answer with its result.
            charge = SandboxCharge.objects.get(idempotency_key=idempotency_key)
        return self._result(charge, card)

    def _result(self, charge: SandboxCharge, card: CardDetails | None = None) -> ChargeResult:
        if charge.status == SandboxCharge.Status.SUCCEEDED:
            return ChargeResult(status="succeeded", charge_id=charge.id)
        if charge.status == SandboxCharge.Status.FAILED:
            return ChargeResult(
                status="failed",
                charge_id=charge.id,
                failure_code="processing_error",
                failure_message="The card could not be processed. Please try again.",
            )
        known = card is None or card.number == DECLINE_CARD
        return ChargeResult(
            status="declined",
            charge_id=charge.id,
            failure_code="card_declined" if known else "incorrect_number",
            failure_message="Your card was declined."
            if known
            else "This card number is not one of the sandbox test cards.",
        )

    def refund(self, *, charge_id, amount: Decimal, idempotency_key):
        with transaction.atomic():
            updated = SandboxCharge.objects.filter(
                id=charge_id,
                status=SandboxCharge.Status.SUCCEEDED,
                refunded_amount__lte=F("amount") - amount,
                refunded_at__isnull=True,
            ).update(refunded_amount=F("refunded_amount") + amount, refunded_at=timezone.now())
        if updated:
            return RefundResult(succeeded=True, refund_id=f"re_{idempotency_key}"[:100])
        charge = SandboxCharge.objects.filter(id=charge_id).first()
        if charge is not None and charge.refunded_at is not None:
            # Already refunded by an earlier call: the same answer, not a second refund.
            return RefundResult(succeeded=True, refund_id=f"re_{idempotency_key}"[:100])
        return RefundResult(succeeded=False, failure_message="charge not found or not refundable")
