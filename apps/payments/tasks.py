from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def retry_failed_refunds_task() -> int:
    """Beat: re-tries refunds the provider did not complete."""
    return services.retry_failed_refunds()
