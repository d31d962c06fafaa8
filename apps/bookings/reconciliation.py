"""Reconciliation: finishes whatever a crash, a timeout or a lost webhook left open, so that
every payment ends in valid tickets or a refund (Celery beat every minute, and
`manage.py reconcile_payments`).

1. A payment open (pending, requires_action, processing, unknown) for longer than
   RECONCILE_AFTER_SECONDS, and not in a request's hands, is looked up at the gateway. Charged:
   step 2 settles it. Never confirmed, or confirmed but still waiting for the buyer after the
   hold ran out: its intent is canceled (not charged; the buyer may pay again).
2. A succeeded payment whose booking is still pending is settled: tickets if the seats can still
   be had, else the booking fails and is refunded (apps.bookings.services.settle_paid_booking).
   One whose booking has failed or been cancelled without a refund gets one.
3. Pending refunds whose time has come are sent, each on its own, with backoff.
4. The gauge ticketing_money_without_tickets is set from what is left."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from apps.common import metrics
from apps.inventory.models import Hold
from apps.payments import services as payments
from apps.payments.models import Payment
from apps.payments.providers.base import GatewayRefused, GatewayUnavailable

from . import services
from .models import Booking, Ticket

logger = logging.getLogger(__name__)


@dataclass
class Report:
    looked_up: int = 0
    settled: int = 0
    refunds_sent: int = 0
    unreachable: int = 0
    money_without_tickets: int = 0


def money_without_tickets():
    """Successful payments (not refunded) whose booking has no valid ticket."""
    valid = Ticket.objects.filter(booking_id=OuterRef("booking_id"), status=Ticket.Status.VALID)
    return Payment.objects.filter(status=Payment.Status.SUCCEEDED).exclude(Exists(valid))


def reconcile_payments() -> Report:
    report = Report()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.TICKETING["RECONCILE_AFTER_SECONDS"])
    open_payments = Payment.objects.filter(status__in=Payment.OPEN, updated_at__lte=stale).filter(
        Q(busy_until__isnull=True) | Q(busy_until__lt=now)
    )
    for payment in open_payments.select_related("booking__hold"):
        report.looked_up += 1
        try:
            payment = payments.refresh(payment)
            if payment.status in Payment.OPEN and _nobody_will_finish(payment, now):
                payment = payments.abandon(payment)
        except (GatewayUnavailable, GatewayRefused) as exc:
            report.unreachable += 1
            logger.warning("reconcile: payment %s not looked up: %s", payment.pk, exc)

    paid_unsettled = Payment.objects.filter(status=Payment.Status.SUCCEEDED).filter(
        Q(booking__status=Booking.Status.PENDING)
        | (
            Q(booking__status__in=[Booking.Status.FAILED, Booking.Status.CANCELLED])
            & Q(refunded_amount__lt=F("amount"))
        )
    )
    for payment_id in paid_unsettled.values_list("pk", flat=True):
        try:
            services.settle_paid_booking(payment_id)
            report.settled += 1
        except Exception:  # one booking's problem must not stop the others
            logger.exception("reconcile: payment %s could not be settled", payment_id)

    report.refunds_sent = payments.retry_due_refunds()
    report.money_without_tickets = money_without_tickets().count()
    metrics.MONEY_WITHOUT_TICKETS.set(report.money_without_tickets)
    logger.info("reconcile %s", report)
    return report


def _nobody_will_finish(payment: Payment, now) -> bool:
    """An open payment the buyer can no longer complete: its hold has ended or run out."""
    if payment.status in (Payment.Status.UNKNOWN, Payment.Status.PROCESSING):
        return False  # only the gateway can end these
    hold = payment.booking.hold
    return hold.status != Hold.Status.ACTIVE or hold.expires_at <= now
