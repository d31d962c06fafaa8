from celery import shared_task

from . import idempotency


@shared_task(acks_late=True, ignore_result=True)
def prune_idempotency_keys_task() -> int:
    """Beat: forgets stored API responses older than IDEMPOTENCY_TTL_HOURS."""
    return idempotency.prune_idempotency_keys()
