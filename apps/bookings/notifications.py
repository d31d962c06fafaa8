"""The buyer's e-mails about a booking: the tickets (text, HTML and the PDF) once it is
confirmed, a cancellation, a refund when a paid booking did not go through.

`owe_email` runs inside the transaction that changes the booking: it writes the owed e-mail
(unique per booking and kind, so two settlers cannot owe two confirmations) and asks for the
send task once that transaction commits; a rollback takes both with it. `send_owed_email` runs
in the task, with no transaction or lock open: a failure of the mail server raises for the task
to retry, and never touches the booking."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.common.languages import written_in
from apps.common.mail import Attachment, build_message, send_message
from apps.payments.models import Refund

from . import selectors
from .models import Booking, BookingEmail
from .ticket_facts import ticket_facts, valid_tickets, venue_label, when_label
from .ticket_pdf import pdf_filename, pdf_title, render_tickets_pdf

logger = logging.getLogger(__name__)

Kind = BookingEmail.Kind

# Lazy: translated when the message is built, inside written_in(booking.language).
SUBJECTS = {
    Kind.CONFIRMATION: gettext_lazy("Your tickets for %(title)s (%(reference)s)"),
    Kind.CANCELLATION: gettext_lazy("Booking %(reference)s is cancelled"),
    Kind.REFUND: gettext_lazy("Booking %(reference)s did not go through: your payment is refunded"),
}
TEMPLATES = {
    Kind.CONFIRMATION: "emails/booking_confirmed",
    Kind.CANCELLATION: "emails/booking_cancelled",
    Kind.REFUND: "emails/booking_refunded",
}

# The address `make run` serves on; production sets SITE_URL (a task has no request to ask).
DEFAULT_SITE_URL = "http://127.0.0.1:8000"


def booking_url(booking: Booking) -> str:
    return (settings.SITE_URL or DEFAULT_SITE_URL) + reverse(
        "bookings:detail", args=[booking.reference]
    )


def owe_email(booking: Booking, kind: str) -> None:
    """In the caller's transaction, with the booking row locked."""
    _, created = BookingEmail.objects.get_or_create(booking_id=booking.pk, kind=kind)
    if created:
        transaction.on_commit(partial(enqueue, booking.pk, kind), robust=True)


def enqueue(booking_id: int, kind: str) -> None:
    """After the commit. A broker that is away loses nothing: the e-mail stays owed and
    `enqueue_forgotten_emails` (beat) asks again."""
    from .tasks import send_booking_email_task  # tasks import this module

    try:
        send_booking_email_task.delay(booking_id, kind)
    except Exception:
        logger.exception("could not enqueue the %s e-mail of booking %s", kind, booking_id)


def send_owed_email(booking_id: int, kind: str) -> bool:
    """Sends the e-mail if it is still owed; False if it was sent already (a repeated task).
    At least once: a crash between the server's acceptance and the mark sends it again."""
    owed = BookingEmail.objects.filter(booking_id=booking_id, kind=kind)
    lease = timedelta(seconds=2 * settings.EMAIL_TIMEOUT + 60)
    claimed = (
        owed.filter(sent_at__isnull=True)
        .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=Now()))
        .update(attempts=F("attempts") + 1, sending_until=Now() + lease, updated_at=Now())
    )
    if not claimed:
        return False
    try:
        message = build_booking_email(booking_id, kind)
        if message is None:
            owed.update(sending_until=None, last_error=NO_TICKETS_LEFT, updated_at=Now())
            return False
        send_message(message)
    except Exception as exc:  # the task retries the mail server's errors (OSErrors)
        owed.update(
            sending_until=None,
            last_error=f"{exc.__class__.__name__}: {exc}"[:255],
            updated_at=Now(),
        )
        raise
    owed.update(sent_at=Now(), sending_until=None, last_error="", updated_at=Now())
    logger.info("booking e-mail sent booking=%s kind=%s", booking_id, kind)
    return True


NO_TICKETS_LEFT = "not sent: the booking had no valid tickets left by then"


def build_booking_email(booking_id: int, kind: str):
    """The message in the buyer's language, or None for tickets that were cancelled before
    their e-mail went out."""
    booking = selectors.booking_with_tickets(booking_id)
    with written_in(booking.language):
        return _booking_message(booking, kind)


def _booking_message(booking: Booking, kind: str):
    event = booking.event
    context = {
        "booking": booking,
        "event": event,
        "when": when_label(event),
        "venue": venue_label(event),
        "tickets": ticket_facts(booking, booking.tickets.all()),
        "booking_url": booking_url(booking),
        "refund": Refund.objects.filter(payment__booking=booking).first(),
    }
    attachments = ()
    if kind == Kind.CONFIRMATION:
        tickets = ticket_facts(booking, valid_tickets(booking))
        if not tickets:
            return None
        context["tickets"] = tickets
        pdf = render_tickets_pdf(tickets, title=pdf_title(booking))
        attachments = (Attachment(pdf_filename(booking), pdf, "application/pdf"),)
    return build_message(
        to=booking.user.email,
        subject=str(SUBJECTS[kind]) % {"title": event.title, "reference": booking.reference},
        template=TEMPLATES[kind],
        context=context,
        attachments=attachments,
    )


def enqueue_forgotten_emails(*, older_than_seconds: float = 300) -> int:
    """Beat: owed e-mails that no task has tried (the broker was away at the commit, or the
    process died right after it) are asked for again. Ones a task has tried are left to its
    retries."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    forgotten = list(
        BookingEmail.objects.filter(sent_at__isnull=True, attempts=0, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("booking_id", "kind")[:500]
    )
    for booking_id, kind in forgotten:
        enqueue(booking_id, kind)
    return len(forgotten)
