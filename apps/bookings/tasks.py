from celery import shared_task

from . import reconciliation, refund_notice


@shared_task(acks_late=True, ignore_result=True)
def reconcile_payments_task() -> int:
    """Beat, every minute: see apps/bookings/reconciliation.py. Returns what is still paid
    without tickets."""
    return reconciliation.reconcile_payments().money_without_tickets


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
