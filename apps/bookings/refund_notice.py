"""The buyer hears of a refund staff made: one plain e-mail per refund, sent by a Celery task
enqueued once the refund's transaction commits (never from inside it). The single place where
refund notifications start; booking e-mails of other kinds live elsewhere."""

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext

from apps.common.languages import written_in
from apps.common.mail import build_message, send_message
from apps.payments.models import Refund

from .models import Ticket
from .notifications import booking_url
from .ticket_facts import when_label

logger = logging.getLogger(__name__)

# Sent once per refund, within a week: a retried task (the mail server answered late) finds the
# mark and does not write to the buyer twice.
_SENT_FOR_SECONDS = 7 * 24 * 3600


def notify_refund(booking_id: int, refund_id: int) -> None:
    """Tells the buyer about the refund once the caller's transaction commits."""
    from .tasks import send_refund_notice  # the task module imports this one

    def enqueue():
        # The refund is committed whatever happens here: a broker (or, run eagerly, a mail
        # server) that fails is logged, never turned into an error page for the staff.
        try:
            send_refund_notice.delay(booking_id, refund_id)
        except Exception:
            logger.exception("refund notice not sent booking=%s refund=%s", booking_id, refund_id)

    transaction.on_commit(enqueue)


def _sent_key(refund_id: int) -> str:
    return f"refund-notice-sent:{refund_id}"


def send_refund_notice_now(booking_id: int, refund_id: int) -> bool:
    """Writes to the buyer about one refund; False when there is nobody to write to or it was
    sent already."""
    if cache.get(_sent_key(refund_id)):
        return False
    refund = (
        Refund.objects.select_related("payment__booking__user", "payment__booking__event__venue")
        .filter(pk=refund_id, payment__booking_id=booking_id)
        .first()
    )
    if refund is None or not refund.payment.booking.user.email:
        return False
    booking = refund.payment.booking
    send_message(refund_message(booking, refund))
    cache.set(_sent_key(refund_id), 1, _SENT_FOR_SECONDS)
    logger.info("refund notice sent booking=%s refund=%s", booking.reference, refund_id)
    return True


def refund_message(booking, refund):
    """The notice, in the language the buyer booked in."""
    with written_in(booking.language):
        return _build(booking, refund)


def _build(booking, refund):
    context = {
        "booking": booking,
        "event": booking.event,
        "refund": refund,
        "when": when_label(booking.event),
        "cancelled": Ticket.objects.filter(booking=booking, status=Ticket.Status.CANCELLED).count(),
        "booking_url": booking_url(booking),
    }
    return build_message(
        to=booking.user.email,
        subject=gettext("Refund for booking %(reference)s") % {"reference": booking.reference},
        template="emails/tickets_refunded",
        context=context,
    )
