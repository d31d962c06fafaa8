"""The shared cache (Django's cache: Redis in a real deployment) for what is only an
optimisation: reads and writes that never raise. With Redis unreachable they do nothing, log
it, and open the circuit breaker (apps.common.redis) so that the next callers don't each wait
for the connect timeout."""

import logging

from django.core.cache import cache

from .redis import redis_health

logger = logging.getLogger(__name__)


def _failed(what: str, key: str, exc: Exception) -> None:
    redis_health.failed()
    logger.warning("shared cache unreachable, %s skipped key=%s: %s", what, key, exc)


def get(key: str):
    """The value, or None when absent or unreachable."""
    if not redis_health.available():
        return None
    try:
        return cache.get(key)
    except Exception as exc:  # noqa: BLE001 - any client error means: no cache this time
        _failed("read", key, exc)
        return None


def set(key: str, value, seconds: float) -> None:  # noqa: A001 - the cache's own verb
    if not redis_health.available():
        return
    try:
        cache.set(key, value, seconds)
    except Exception as exc:  # noqa: BLE001
        _failed("write", key, exc)


def add(key: str, value, seconds: float) -> bool:
    """Stores the value only if the key is absent: whether it did. With Redis unreachable,
    True (there is nobody to share with)."""
    if not redis_health.available():
        return True
    try:
        return bool(cache.add(key, value, seconds))
    except Exception as exc:  # noqa: BLE001
        _failed("add", key, exc)
        return True


def delete(key: str) -> None:
    if not redis_health.available():
        return
    try:
        cache.delete(key)
    except Exception as exc:  # noqa: BLE001
        _failed("delete", key, exc)
