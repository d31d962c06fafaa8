from celery import shared_task

from . import services, webhooks
from .providers.base import get_provider


@shared_task(acks_late=True, ignore_result=True)
def retry_failed_refunds_task() -> int:
    """Beat: sends the refunds whose next attempt is due."""
    return services.retry_due_refunds()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def deliver_sandbox_webhook(payload: str, signature: str) -> str:
    """The sandbox gateway's delivery of one signed event to the shop's webhook handler (what
    a real gateway does with an HTTP POST to /webhooks/<provider>/)."""
    return webhooks.receive(get_provider(), payload=payload.encode(), signature=signature)
