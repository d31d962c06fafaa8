"""Seat-lock contention counters, kept cheap on the hot path: one pipelined Redis round trip per
hold request, into a hash per event and minute. A periodic task rolls them up into the database
so the history survives a Redis restart."""

import logging
import time

from django.conf import settings
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Upper bounds (ms) of the lock-wait histogram kept per event and minute; P95 is read from it.
WAIT_BUCKETS_MS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
KEY_TTL_SECONDS = 2 * 24 * 3600


def _prefix() -> str:
    return settings.CACHES["default"].get("KEY_PREFIX", "ticketing")


def index_key() -> str:
    return f"{_prefix()}:lockstats:index"


def window_key(event_id: int, minute: int) -> str:
    return f"{_prefix()}:lockstats:{event_id}:{minute}"


def resource_name(event_seat_id: int) -> str:
    return f"seat:{event_seat_id}"


def wait_bucket(wait_ms: float) -> str:
    for bound in WAIT_BUCKETS_MS:
        if wait_ms <= bound:
            return str(bound)
    return "inf"


def record(result) -> None:
    """Counts one hold request's lock outcome per seat: attempts = acquired + failed."""
    from .locks import redis_connection, redis_health

    if result.degraded or not redis_health.available():
        # Redis is what is down; the degradation is counted in Prometheus and logged.
        return
    conn = redis_connection()
    if conn is None:
        return
    minute = int(time.time() // 60)
    key = window_key(result.event_id, minute)
    outcome = "acquired" if result.acquired else "failed"
    try:
        pipe = conn.pipeline(transaction=False)
        for seat_id in result.seat_ids:
            resource = resource_name(seat_id)
            pipe.hincrby(key, f"{resource}|attempts", 1)
            pipe.hincrby(key, f"{resource}|{outcome}", 1)
            pipe.hincrbyfloat(key, f"{resource}|wait_ms", round(result.wait_ms, 3))
            if result.acquired:
                pipe.hincrbyfloat(key, f"{resource}|held_ms", round(result.held_ms, 3))
        pipe.hincrby(key, f"_wait_le|{wait_bucket(result.wait_ms)}", 1)
        pipe.expire(key, KEY_TTL_SECONDS)
        pipe.sadd(index_key(), key)
        pipe.execute()
    except RedisError as exc:
        logger.warning("could not record seat-lock stats: %s", exc)
