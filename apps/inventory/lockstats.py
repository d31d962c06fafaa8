"""Seat-lock contention counters, from the hot path to the database.

Hot path: one Lua script call per hold request (folded into the lock release when the locks
were taken, so it costs no round trip of its own), into a hash per event and minute,
`{prefix}:lockstats:{event_id}:{minute}`, with per-seat fields

    seat:{event_seat_id}|attempts    lock attempts (= acquired + failed)
    seat:{event_seat_id}|acquired    the lock was taken
    seat:{event_seat_id}|failed      another buyer kept it past the wait (409 seat_busy)
    seat:{event_seat_id}|wait_ms     sum of the time spent getting (or failing to get) it
    seat:{event_seat_id}|held_ms     sum of the time it was held
    seat:{event_seat_id}|le:{bound}  histogram of waits (ms, non-cumulative; "inf" past the last)

A script runs atomically, so a reader never sees attempts without their outcome. Every
hash is listed in the set `{prefix}:lockstats:index` until it has been rolled up for good.

Rollup (`rollup()`, run by beat): copies the hashes into LockStat rows, one per seat and minute,
with absolute values, so running it twice changes nothing. A hash that Redis lost (a restart)
and started again from zero never overwrites the larger numbers already in the database.

Degraded holds (Redis unreachable) cannot be counted in Redis: they go straight to the
database with one small upsert, on that path only."""

import logging
import time
from datetime import UTC, datetime

from django.db import DatabaseError, connection, transaction
from redis.exceptions import RedisError

from apps.common.parsing import is_ascii_digits
from apps.common.redis import redis_connection, redis_health, redis_key, registered_script

from .models import EventSeat, LockStat

logger = logging.getLogger(__name__)

# Upper bounds (ms) of the lock-wait histogram; P95 is read from it.
WAIT_BUCKETS_MS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
WAIT_BUCKET_COLUMNS = tuple(f"wait_le_{b}" for b in WAIT_BUCKETS_MS) + ("wait_le_inf",)
# A hash stays in Redis this long after its last write: the rollup has days to catch up.
KEY_TTL_SECONDS = 2 * 24 * 3600
# A minute's hash is rolled up for the last time once it is this many minutes old; a write
# that still lands on it later (a badly skewed clock) puts it back in the index.
CLOSE_AFTER_MINUTES = 2

_COUNTER_COLUMNS = ("attempts", "acquired", "failed", "wait_ms_total", "held_ms_total")
_FIELD_TO_COLUMN = {
    "attempts": "attempts",
    "acquired": "acquired",
    "failed": "failed",
    "wait_ms": "wait_ms_total",
    "held_ms": "held_ms_total",
    **{f"le:{b}": f"wait_le_{b}" for b in WAIT_BUCKETS_MS},
    "le:inf": "wait_le_inf",
}
_ROLLUP_COLUMNS = _COUNTER_COLUMNS + WAIT_BUCKET_COLUMNS
_UPSERT_CHUNK = 200


def index_key() -> str:
    return redis_key("lockstats", "index")


def window_key(event_id: int, minute: int) -> str:
    return redis_key("lockstats", event_id, minute)


def resource_name(event_seat_id: int) -> str:
    return f"seat:{event_seat_id}"


def wait_bucket(wait_ms: float) -> str:
    for bound in WAIT_BUCKETS_MS:
        if wait_ms <= bound:
            return str(bound)
    return "inf"


def minute_start(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, tz=UTC)


def current_minute() -> int:
    return int(time.time() // 60)


# Counts one lock outcome for each seat. A chunk, not a whole script: it expects the locals
# `window` (the minute's hash), `index` (the index set) and `base` (where its arguments start in
# ARGV), so that the lock release can run it too (holds/locks.py). Arguments, from ARGV[base]: the
# outcome field, the wait bucket, the wait (ms), the time held (ms, "" when not acquired), the
# hash's TTL (s), then one resource name per seat.
COUNT_LUA = """
local outcome, bucket, wait_ms, held_ms = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
for i = base + 5, #ARGV do
  local resource = ARGV[i]
  redis.call('hincrby', window, resource .. '|attempts', 1)
  redis.call('hincrby', window, resource .. '|' .. outcome, 1)
  redis.call('hincrbyfloat', window, resource .. '|wait_ms', wait_ms)
  redis.call('hincrby', window, resource .. '|le:' .. bucket, 1)
  if held_ms ~= '' then redis.call('hincrbyfloat', window, resource .. '|held_ms', held_ms) end
end
redis.call('expire', window, ARGV[base + 4])
redis.call('sadd', index, window)
"""
_RECORD_LUA = "local window, index, base = KEYS[1], KEYS[2], 1\n" + COUNT_LUA


def count_keys_and_args(result) -> tuple[list[str], list]:
    """The two keys and the arguments COUNT_LUA needs for one hold request's lock outcome."""
    keys = [window_key(result.event_id, current_minute()), index_key()]
    args = [
        "acquired" if result.acquired else "failed",
        wait_bucket(result.wait_ms),
        round(result.wait_ms, 3),
        round(result.held_ms, 3) if result.acquired else "",
        KEY_TTL_SECONDS,
        *(resource_name(seat_id) for seat_id in result.seat_ids),
    ]
    return keys, args


def record(result) -> None:
    """Counts one hold request's lock outcome, per seat. Never raises: statistics must not
    break a sale."""
    if result.degraded:
        _record_degraded(result.event_id, result.seat_ids)
        return
    if not redis_health.available():
        # The release just failed: Redis is down and the breaker is open; don't wait on it.
        return
    conn = redis_connection()
    if conn is None:
        return
    keys, args = count_keys_and_args(result)
    try:
        registered_script(conn, "record", _RECORD_LUA)(keys=keys, args=args)
    except RedisError as exc:
        logger.warning("could not record seat-lock stats event=%s: %s", result.event_id, exc)


def _record_degraded(event_id: int, seat_ids: list[int]) -> None:
    """One upsert: +1 degraded for each of these seats in this minute. Seat ids that are not
    the event's (a buyer's typo, refused later by the hold itself) are left out by the join."""
    if not seat_ids:
        return
    table = LockStat._meta.db_table
    seat_table = EventSeat._meta.db_table
    ids = sorted(set(seat_ids))
    window = connection.ops.adapt_datetimefield_value(minute_start(current_minute()))
    placeholders = ", ".join(["%s"] * len(ids))
    # Rows in seat order, like every other writer of these rows: concurrent upserts can't
    # deadlock on each other.
    sql = (
        f"INSERT INTO {table} (event_id, event_seat_id, window_start, degraded) "  # noqa: S608
        f"SELECT event_id, id, %s, 1 FROM {seat_table} "
        f"WHERE event_id = %s AND id IN ({placeholders}) ORDER BY id "
        f"ON CONFLICT (event_seat_id, window_start) "
        f"DO UPDATE SET degraded = {table}.degraded + 1"
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [window, event_id, *ids])
    except DatabaseError as exc:
        logger.warning("could not record degraded seat-lock stats event=%s: %s", event_id, exc)


def _parse_key(key: str) -> tuple[int, int] | None:
    try:
        _, _, event_id, minute = key.rsplit(":", 3)
        return int(event_id), int(minute)
    except ValueError:
        return None


def _parse_hash(data: dict) -> dict[int, dict[str, float]]:
    """{event_seat_id: {column: value}} from one minute's hash."""
    seats: dict[int, dict[str, float]] = {}
    for raw_field, raw_value in data.items():
        field = raw_field.decode() if isinstance(raw_field, bytes) else raw_field
        resource, _, name = field.partition("|")
        kind, _, seat = resource.partition(":")
        column = _FIELD_TO_COLUMN.get(name)
        if kind != "seat" or column is None or not is_ascii_digits(seat):
            continue
        seats.setdefault(int(seat), {})[column] = float(raw_value)
    return seats


def _upsert_sql(rows: int) -> str:
    table = LockStat._meta.db_table
    columns = ("event_id", "event_seat_id", "window_start", *_ROLLUP_COLUMNS)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # A row is replaced as a whole, and only by one counting at least as many attempts: the
    # same hash read again changes nothing, a hash restarted from zero can't shrink history.
    newer = f"excluded.attempts >= {table}.attempts"
    updates = ", ".join(
        f"{c} = CASE WHEN {newer} THEN excluded.{c} ELSE {table}.{c} END" for c in _ROLLUP_COLUMNS
    )
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
        + ", ".join([row] * rows)
        + f" ON CONFLICT (event_seat_id, window_start) DO UPDATE SET {updates}"
    )


def rollup() -> int:
    """Copies the Redis counters of the open minutes into LockStat; idempotent. Returns how
    many seat-minute rows it wrote."""
    conn = redis_connection()
    if conn is None:
        return 0
    try:
        keys = sorted(k.decode() if isinstance(k, bytes) else k for k in conn.smembers(index_key()))
        pipe = conn.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        hashes = pipe.execute() if keys else []
    except RedisError as exc:
        logger.warning("lock stats rollup skipped, Redis unreachable: %s", exc)
        return 0

    windows = []  # (key, event_id, minute, {seat: {column: value}})
    forget = []
    for key, data in zip(keys, hashes, strict=True):
        parsed = _parse_key(key)
        if parsed is None or not data:
            forget.append(key)  # expired, or not ours
            continue
        windows.append((key, *parsed, _parse_hash(data)))

    wanted = {seat for *_, seats in windows for seat in seats}
    seat_events = dict(
        EventSeat.objects.filter(id__in=wanted).values_list("id", "event_id") if wanted else []
    )
    rows = []
    for _key, event_id, minute, seats in windows:
        window = connection.ops.adapt_datetimefield_value(minute_start(minute))
        for seat_id, values in seats.items():
            # Lock attempts on ids that are not this event's seats were refused by the hold
            # itself; they are not contention on anything real.
            if seat_events.get(seat_id) != event_id:
                continue
            counts = [values.get(c, 0) for c in _ROLLUP_COLUMNS]
            rows.append((seat_id, window, [event_id, seat_id, window, *counts]))
    rows.sort(key=lambda r: (r[0], r[1]))

    if rows:
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(rows), _UPSERT_CHUNK):
                chunk = rows[start : start + _UPSERT_CHUNK]
                params = [v for *_, row_params in chunk for v in row_params]
                cursor.execute(_upsert_sql(len(chunk)), params)

    now_minute = current_minute()
    forget += [key for key, _, minute, _ in windows if minute <= now_minute - CLOSE_AFTER_MINUTES]
    if forget:
        try:
            conn.srem(index_key(), *forget)
        except RedisError as exc:
            logger.warning("could not prune the lock stats index: %s", exc)
    if rows:
        logger.info("lock stats rolled up rows=%s windows=%s", len(rows), len(windows))
    return len(rows)
