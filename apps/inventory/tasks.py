from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def expire_holds_task() -> int:
    """Beat: releases expired holds (idempotent; safe to overlap with itself)."""
    return services.expire_holds()
