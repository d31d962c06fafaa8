from celery import shared_task

from . import lockstats
from .holds import expire_holds


@shared_task(acks_late=True, ignore_result=True)
def expire_holds_task() -> int:
    """Beat: releases expired holds (idempotent; safe to overlap with itself)."""
    return expire_holds()


@shared_task(acks_late=True, ignore_result=True)
def rollup_lock_stats_task() -> int:
    """Beat: copies the Redis seat-lock counters into LockStat (idempotent)."""
    return lockstats.rollup()
