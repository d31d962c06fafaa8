"""Payments and refunds: the only code that talks to a gateway (through apps.payments.gateway).
Every gateway call happens outside database transactions. The Payment row is written first
(pending), and every answer is recorded with a conditional update from an open state, so that
the synchronous path, a webhook and the reconciliation can all report the same outcome and the
first one wins.

A payment's life: pending → (intent created, then confirmed) → succeeded | declined |
requires_action | processing | unknown (no answer: asked again later, never taken for "not
charged") → refunded; failed means "not charged, and will not be"."""

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import metrics
from apps.common.errors import Conflict, RuleBroken
from apps.common.money import format_money

from . import gateway
from .models import Payment, Refund
from .providers.base import (
    ENTER_CARD,
    NO_INTENT,
    SERVICE_UNREACHABLE,
    GatewayRefused,
    GatewayUnavailable,
    IntentResult,
    Outcome,
    get_provider,
)

logger = logging.getLogger(__name__)

_STATUS = {
    Outcome.SUCCEEDED: Payment.Status.SUCCEEDED,
    Outcome.REQUIRES_ACTION: Payment.Status.REQUIRES_ACTION,
    Outcome.PROCESSING: Payment.Status.PROCESSING,
    Outcome.DECLINED: Payment.Status.DECLINED,
    Outcome.CANCELED: Payment.Status.FAILED,
    Outcome.UNKNOWN: Payment.Status.UNKNOWN,
    Outcome.CREATED: Payment.Status.PENDING,
}


def open_payment(*, booking) -> Payment:
    """Records a pending payment for the booking, in the caller's transaction. A second open
    payment for the same booking is refused by the database (a double click, a retry in
    flight)."""
    try:
        with transaction.atomic():
            return Payment.objects.create(
                booking=booking,
                user_id=booking.user_id,
                amount=booking.total,
                currency=booking.currency,
                provider=get_provider().name,
                busy_until=timezone.now() + timedelta(seconds=lease_seconds()),
            )
    except IntegrityError:
        raise Conflict(
            _("A payment for this booking is already being processed."),
            code="payment_in_progress",
            retryable=True,
        ) from None


def open_or_paid_payment(booking_id) -> Payment | None:
    statuses = [*Payment.OPEN, Payment.Status.SUCCEEDED]
    return Payment.objects.filter(booking_id=booking_id, status__in=statuses).first()


def record(payment: Payment, result: IntentResult) -> Payment:
    """Stores what the gateway said, if the payment is still open (else someone else recorded
    the outcome first: the payment is returned as stored). A success is taken even for an
    attempt we had closed (a late 3-D Secure in the browser): the gateway has the money."""
    status = _STATUS[result.outcome]
    changes = {"status": status, "updated_at": timezone.now()}
    if result.intent_id:
        changes["intent_id"] = result.intent_id
    if result.card_last4:
        changes["card_last4"] = result.card_last4
    if status in (Payment.Status.DECLINED, Payment.Status.FAILED, Payment.Status.UNKNOWN):
        changes["failure_code"] = result.failure_code[:50]
        changes["failure_message"] = result.failure_message[:255]
    allowed = list(Payment.OPEN)
    if status == Payment.Status.SUCCEEDED:
        allowed += [Payment.Status.DECLINED, Payment.Status.FAILED]
    try:
        with transaction.atomic():
            updated = Payment.objects.filter(pk=payment.pk, status__in=allowed).update(**changes)
    except IntegrityError:
        # Another attempt of the booking is open or paid: two payments took money. Listed by
        # nothing automatic; a person must refund one (the gateway's dashboard).
        logger.error(
            "payment %s succeeded at the gateway while another payment of booking %s is open "
            "or paid: refund one of them",
            payment.pk,
            payment.booking_id,
        )
        updated = 0
    if updated:
        for field, value in changes.items():  # what the row now says: no read back
            setattr(payment, field, value)
    else:
        payment.refresh_from_db()  # another path recorded the outcome first
    # Kept on the instance for this request only (the buyer's app needs it for 3-D Secure);
    # never stored: it lets its holder confirm the payment.
    payment.client_secret = result.client_secret
    if updated and status != Payment.Status.PENDING:
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


def _unknown(message: str) -> IntentResult:
    return IntentResult(
        outcome=Outcome.UNKNOWN, failure_code="gateway_unavailable", failure_message=message[:255]
    )


def lease_seconds() -> float:
    """Long enough for every try of the two calls of `pay`, with their backoff."""
    k = settings.TICKETING
    per_call = (1 + k["PAYMENT_RETRIES"]) * (
        k["PAYMENT_GATEWAY_TIMEOUT"] + k["PAYMENT_RETRY_MAX_SECONDS"]
    )
    return 2 * per_call + 5


def claim(payment: Payment) -> bool:
    """Takes the payment's lease (in the caller's transaction): False while another request
    holds it."""
    now = timezone.now()
    taken = Payment.objects.filter(
        Q(busy_until__isnull=True) | Q(busy_until__lt=now), pk=payment.pk
    ).update(busy_until=now + timedelta(seconds=lease_seconds()))
    return bool(taken)


def pay(
    payment: Payment, *, payment_method: str = "", order_ref: str, may_charge: bool = True
) -> Payment:
    """`_pay` under the payment's lease (taken by the caller with `claim`), released at the end
    whatever happens."""
    try:
        return _pay(
            payment, payment_method=payment_method, order_ref=order_ref, may_charge=may_charge
        )
    finally:
        Payment.objects.filter(pk=payment.pk).update(busy_until=None)


def _pay(payment: Payment, *, payment_method: str, order_ref: str, may_charge: bool) -> Payment:
    """Creates the payment's intent (if it has none yet) and confirms it; or, for a payment left
    open by an earlier try, asks the gateway where it stands first (it may have been confirmed
    by a request that died, or in the buyer's browser) and confirms it only if it never was and
    `may_charge` (the hold is still live). Must not run inside a transaction. GatewayRefused
    passes through."""
    provider = get_provider()
    if payment.intent_id:
        payment = refresh(payment)
        if payment.status != Payment.Status.PENDING or not may_charge:
            return payment
    elif not may_charge:
        return refresh(payment)  # never created: nothing can have been charged (failed)
    if not payment_method and not payment.intent_id:
        message = ENTER_CARD
        record(
            payment,
            IntentResult(
                outcome=Outcome.CANCELED,
                failure_code="payment_method_required",
                failure_message=message,
            ),
        )
        raise GatewayRefused(message, code="payment_method_required")
    if not payment.intent_id:
        try:
            created = gateway.call(
                "create_intent",
                provider.create_intent,
                amount=payment.amount,
                currency=payment.currency,
                key=payment.gateway_key,
                order_ref=order_ref,
                payment_method=payment_method,
            )
        except GatewayUnavailable as exc:
            # Never confirmed, so never charged: the attempt ends and the buyer may pay again.
            logger.warning("payment %s not started: %s", payment.pk, exc)
            record(
                payment,
                IntentResult(
                    outcome=Outcome.CANCELED,
                    failure_code="gateway_unavailable",
                    failure_message=SERVICE_UNREACHABLE,
                ),
            )
            raise
        except GatewayRefused as exc:
            record(
                payment,
                IntentResult(
                    outcome=Outcome.CANCELED, failure_code=exc.code, failure_message=str(exc)
                ),
            )
            raise
        payment = record(payment, created)
        if created.outcome != Outcome.CREATED:
            return payment
    try:
        result = gateway.call(
            "confirm_intent",
            provider.confirm_intent,
            intent_id=payment.intent_id,
            key=payment.gateway_key + "_confirm",
        )
    except gateway.BreakerOpen:
        # Not sent: the intent stays unconfirmed (pending) and is confirmed on the next try.
        raise
    except GatewayUnavailable as exc:
        result = _unknown(str(exc))
    return record(payment, result)


def refresh(payment: Payment) -> Payment:
    """Asks the gateway for the payment's intent and records the answer. A payment with no
    intent was never confirmed: nothing can have been charged, so it fails."""
    if not payment.intent_id:
        return record(
            payment,
            IntentResult(
                outcome=Outcome.CANCELED,
                failure_code="abandoned",
                failure_message=NO_INTENT,
            ),
        )
    provider = get_provider()
    result = gateway.call("retrieve_intent", provider.retrieve_intent, intent_id=payment.intent_id)
    return record(payment, result)


def abandon(payment: Payment) -> Payment:
    """An open payment that nobody will finish (the checkout was left): its intent is canceled
    at the gateway so that it cannot be paid any more, and the answer recorded."""
    if not payment.intent_id:
        return refresh(payment)
    provider = get_provider()
    result = gateway.call("cancel_intent", provider.cancel_intent, intent_id=payment.intent_id)
    return record(payment, result)


def client_secret_for(payment: Payment) -> str:
    """The intent's client secret, for the buyer's app or browser to finish it (never stored)."""
    provider = get_provider()
    result = gateway.call("retrieve_intent", provider.retrieve_intent, intent_id=payment.intent_id)
    return result.client_secret


# Refunds --------------------------------------------------------------------------------------


def record_refund_due(*, payment: Payment, reason: str) -> Refund:
    """The refund of what is left of the payment, recorded in the caller's transaction (the
    one that fails or cancels the booking); `run_refund` sends it after the commit. Called
    again once nothing is left, it returns the last refund instead of a second one."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    left = locked.amount - locked.refunded_amount
    if left <= 0:
        return Refund.objects.filter(payment=locked).order_by("-sequence").first()
    return _record_refund(locked, left, reason)


def record_partial_refund(*, payment: Payment, amount: Decimal, reason: str) -> Refund:
    """A refund of part of the payment (some tickets of a booking), recorded in the caller's
    transaction. Refused when it would take the payment's refunds past what was paid (the
    database refuses it too: payment_valid_refunded_amount)."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if amount <= 0 or locked.refunded_amount + amount > locked.amount:
        raise RuleBroken(
            _("A refund of %(amount)s is more than is left of the payment (%(left)s).")
            % {
                "amount": format_money(amount, locked.currency),
                "left": format_money(locked.amount - locked.refunded_amount, locked.currency),
            },
            code="refund_exceeds_payment",
        )
    return _record_refund(locked, amount, reason)


def _record_refund(payment: Payment, amount: Decimal, reason: str) -> Refund:
    last = Refund.objects.filter(payment=payment).aggregate(last=Max("sequence"))["last"] or 0
    Payment.objects.filter(pk=payment.pk).update(refunded_amount=F("refunded_amount") + amount)
    return Refund.objects.create(
        payment=payment,
        sequence=last + 1,
        amount=amount,
        reason=reason[:200],
        next_attempt_at=timezone.now(),
    )


def run_refund(refund: Refund) -> Refund:
    """Sends one refund to the gateway. Must not run inside a transaction. A failure schedules
    the next attempt with exponential backoff; after REFUND_MAX_ATTEMPTS it gives up into
    `failed`, which the admin's "Payments that need attention" lists."""
    refund.refresh_from_db()
    payment = refund.payment
    if refund.status != Refund.Status.PENDING:
        return refund
    provider = get_provider()
    error = ""
    try:
        result = gateway.call(
            "refund",
            provider.refund,
            intent_id=payment.intent_id,
            amount=refund.amount,
            currency=payment.currency,
            key=refund.gateway_key,
        )
        if not result.succeeded:
            error = result.failure_message or "refused by the gateway"
    except (GatewayUnavailable, GatewayRefused) as exc:
        error = str(exc) or exc.__class__.__name__
    knobs = settings.TICKETING
    with transaction.atomic():
        if not error:
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.SUCCEEDED,
                provider_refund_id=result.refund_id,
                attempts=refund.attempts + 1,
                last_error="",
                next_attempt_at=None,
            )
            # Fully refunded once its refunds cover it; after a partial refund it stays paid.
            Payment.objects.filter(
                pk=payment.pk, status=Payment.Status.SUCCEEDED, refunded_amount__gte=F("amount")
            ).update(status=Payment.Status.REFUNDED, updated_at=timezone.now())
        else:
            attempts = refund.attempts + 1
            gave_up = attempts >= knobs["REFUND_MAX_ATTEMPTS"]
            delay = knobs["REFUND_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1)
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.FAILED if gave_up else Refund.Status.PENDING,
                attempts=attempts,
                last_error=error[:255],
                next_attempt_at=None if gave_up else timezone.now() + timedelta(seconds=delay),
            )
    refund.refresh_from_db()
    metrics.REFUNDS.labels(refund.reason, refund.status).inc()
    log = logger.info if refund.status == Refund.Status.SUCCEEDED else logger.error
    log(
        "refund %s payment=%s reason=%s attempts=%s",
        refund.status,
        payment.pk,
        refund.reason,
        refund.attempts,
    )
    return refund


def refund_payment(*, payment: Payment, reason: str) -> Refund:
    """Gives a successful payment back, once (staff, or a repair): records the refund, sends it."""
    with transaction.atomic():
        refund = record_refund_due(payment=payment, reason=reason)
    return run_refund(refund)


def retry_due_refunds(*, now=None) -> int:
    """Sends every pending refund whose time has come, each on its own (one failing does not
    stop the others). Returns how many succeeded now."""
    now = now or timezone.now()
    due = Refund.objects.filter(status=Refund.Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    done = 0
    for refund in due.order_by("next_attempt_at").select_related("payment"):
        try:
            if run_refund(refund).status == Refund.Status.SUCCEEDED:
                done += 1
        except Exception:  # one refund's bug must not keep the others' money back
            logger.exception("refund %s could not be run", refund.pk)
    return done


def retry_failed_refunds() -> int:
    """The beat task's name from before the backoff: every due refund."""
    return retry_due_refunds()
