"""The shop's one way to Redis beyond the Django cache: the connection, a per-process circuit
breaker, a registry of Lua scripts, and the key prefix every key of ours carries.

Redis is an optimisation everywhere it is used (seat locks, lock statistics): whoever calls
it must go on without it. The breaker makes that cheap: after a failure, callers skip Redis
for a few seconds instead of each paying the connect timeout."""

import threading
import time

from django.conf import settings

BACKOFF_AFTER_FAILURE_SECONDS = 5.0


class RedisHealth:
    """Per-process circuit breaker: after a Redis failure, skip Redis for a few seconds."""

    def __init__(self):
        self._down_until = 0.0
        self._lock = threading.Lock()

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self):
        with self._lock:
            self._down_until = time.monotonic() + BACKOFF_AFTER_FAILURE_SECONDS

    def reset(self):
        with self._lock:
            self._down_until = 0.0


redis_health = RedisHealth()
_scripts: dict = {}


def redis_connection():
    """The django-redis connection, or None when the shop runs without Redis."""
    if not settings.USING_REDIS:
        return None
    # django_redis imports its client lazily for the same reason: the embedded default has no
    # Redis client configured at all.
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def registered_script(conn, name: str, source: str):
    """The script, registered once per Redis client (EVALSHA after the first call)."""
    key = (id(conn), name)
    if key not in _scripts:
        _scripts[key] = conn.register_script(source)
    return _scripts[key]


def redis_key(*parts) -> str:
    """`{prefix}:part:part...`, the prefix being the cache's, so that two shops (or the test
    suite and a benchmark) sharing a Redis never see each other's keys."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "ticketing")
    return ":".join([prefix, *map(str, parts)])
