from celery import shared_task

from . import notifications, reconciliation, refund_notice


@shared_task(acks_late=True, ignore_result=True)
def reconcile_payments_task() -> int:
    """Beat, every minute: see apps/bookings/reconciliation.py. Returns what is still paid
    without tickets."""
    return reconciliation.reconcile_payments().money_without_tickets


@shared_task(
    acks_late=True,
    ignore_result=True,
    # smtplib's errors, refused connections and timeouts are OSErrors: the mail server's
    # trouble, worth another try later. Anything else is a bug and fails at once.
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def send_booking_email_task(booking_id: int, kind: str) -> bool:
    """Enqueued on the commit that owes the e-mail (apps/bookings/notifications.py); does
    nothing if it was sent already."""
    return notifications.send_owed_email(booking_id, kind)


@shared_task(acks_late=True, ignore_result=True)
def enqueue_forgotten_emails_task() -> int:
    """Beat: owed e-mails whose task never ran are enqueued again."""
    return notifications.enqueue_forgotten_emails()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=6,
)
def send_refund_notice(booking_id: int, refund_id: int) -> bool:
    """The buyer's e-mail about a refund staff made (apps/bookings/refund_notice.py)."""
    return refund_notice.send_refund_notice_now(booking_id, refund_id)
