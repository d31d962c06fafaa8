"""Layer 1 of the seat-hold protocol: Redis seat locks, for efficiency only.

One lock key per event seat. All keys of a request are taken together by a Lua script, which is
the same as taking them one by one in sorted order but costs one round trip instead of one per
seat (and can never leave a half-taken set behind). A buyer who cannot get them within the short
wait is told at once (409 seat_busy) instead of queueing on PostgreSQL row locks.

Correctness never depends on these locks (a lock can expire while its holder is paused): the
PostgreSQL row locks and constraints are the guarantee. When Redis is unreachable the hold goes
on without them; that degradation is logged and counted, and Redis is left alone for a few
seconds so that every buyer doesn't pay the connect timeout.
"""

import logging
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from redis.exceptions import RedisError

from apps.common import metrics
from apps.common.redis import redis_connection, redis_health, redis_key, registered_script

from .. import lockstats

logger = logging.getLogger(__name__)

_ACQUIRE = """
for i, key in ipairs(KEYS) do
  if redis.call('exists', key) == 1 then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('set', key, ARGV[1], 'PX', ARGV[2])
end
return 0
"""

# Releases the locks still ours and counts the outcome (lockstats.COUNT_LUA) in the same round
# trip. KEYS: the lock keys, then the stats hash and index; ARGV[1]: our token.
_RELEASE_AND_COUNT = (
    """
local window, index, base = KEYS[#KEYS - 1], KEYS[#KEYS], 2
for i = 1, #KEYS - 2 do
  if redis.call('get', KEYS[i]) == ARGV[1] then redis.call('del', KEYS[i]) end
end
"""
    + lockstats.COUNT_LUA
)

_RETRY_SLEEP_SECONDS = 0.005


class SeatsBusy(Exception):
    def __init__(self, busy_ids: list[int]):
        self.busy_ids = busy_ids
        super().__init__(f"seats busy: {busy_ids}")


@dataclass
class LockResult:
    event_id: int
    seat_ids: list[int]
    acquired: bool = False
    degraded: bool = False
    wait_ms: float = 0.0
    held_ms: float = 0.0
    busy_ids: list[int] = field(default_factory=list)


def lock_key(event_seat_id: int) -> str:
    return redis_key("seatlock", event_seat_id)


@contextmanager
def seat_locks(event_id: int, event_seat_ids: list[int], wait_seconds: float | None = None):
    """Holds the Redis locks of these seats for the duration of the block.

    Raises SeatsBusy when another buyer keeps any of them past the wait. Yields a LockResult
    (degraded=True when Redis was unreachable and the block runs on the database layer alone)."""
    ids = sorted(set(event_seat_ids))
    result = LockResult(event_id=event_id, seat_ids=ids)
    conn = redis_connection()
    if conn is None:
        yield result
        return
    if not redis_health.available():
        result.degraded = True
        _record(result)
        yield result
        return

    config = settings.TICKETING
    wait = config["LOCK_WAIT_SECONDS"] if wait_seconds is None else wait_seconds
    ttl_ms = int(config["LOCK_TIMEOUT_SECONDS"] * 1000)
    keys = [lock_key(i) for i in ids]
    token = secrets.token_hex(8)
    started = time.perf_counter()
    deadline = started + wait
    try:
        acquire = registered_script(conn, "acquire", _ACQUIRE)
        while True:
            busy_index = acquire(keys=keys, args=[token, ttl_ms])
            if busy_index == 0:
                result.acquired = True
                break
            if time.perf_counter() + _RETRY_SLEEP_SECONDS > deadline:
                result.busy_ids = [ids[busy_index - 1]]
                break
            time.sleep(_RETRY_SLEEP_SECONDS)
    except RedisError as exc:
        redis_health.failed()
        logger.warning("redis unreachable, holding seats on the database alone: %s", exc)
        result.degraded = True

    if result.degraded:
        _record(result)
        yield result
        return
    result.wait_ms = (time.perf_counter() - started) * 1000
    if not result.acquired:
        _record(result)
        raise SeatsBusy(result.busy_ids)

    acquired_at = time.perf_counter()
    try:
        yield result
    finally:
        result.held_ms = (time.perf_counter() - acquired_at) * 1000
        count_keys, count_args = lockstats.count_keys_and_args(result)
        try:
            registered_script(conn, "release", _RELEASE_AND_COUNT)(
                keys=keys + count_keys, args=[token, *count_args]
            )
        except RedisError as exc:
            # The keys expire by themselves within LOCK_TIMEOUT_SECONDS.
            redis_health.failed()
            logger.warning("could not release seat locks, they will time out: %s", exc)
        _record(result, counted=True)


def _record(result: LockResult, counted: bool = False):
    if result.degraded:
        metrics.LOCK_OUTCOMES.labels("degraded").inc(len(result.seat_ids))
    elif result.acquired:
        metrics.LOCK_OUTCOMES.labels("acquired").inc(len(result.seat_ids))
        metrics.LOCK_WAIT.observe(result.wait_ms / 1000)
    else:
        metrics.LOCK_OUTCOMES.labels("busy").inc(len(result.seat_ids))
        metrics.LOCK_WAIT.observe(result.wait_ms / 1000)
    if not counted:
        lockstats.record(result)
