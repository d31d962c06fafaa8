from celery import shared_task

from . import reconciliation


@shared_task(acks_late=True, ignore_result=True)
def reconcile_payments_task() -> int:
    """Beat, every minute: see apps/bookings/reconciliation.py. Returns what is still paid
    without tickets."""
    return reconciliation.reconcile_payments().money_without_tickets
