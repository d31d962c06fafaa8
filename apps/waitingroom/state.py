"""A room's state in Redis: who waits in which order, how many were admitted, whose pass is out.

Every key of a room carries the hash tag `{room:<event id>}`, so on Redis Cluster a room is one
slot and each script below runs on one node. Per room:

- `cfg` (hash): what staff set (`on`, `rate` per minute, `opens` and `pass` in ms, `paused`, the
  lottery `seed`) and the admission clock: `admitted` (buyers admitted so far: everybody ranked
  below it is in) and `last` (the ms up to which admissions have been counted), `seq` (FIFO).
- `q` (sorted set): buyer id -> place. Joined before opening: a keyed hash of the buyer id in
  [0, 1) (the lottery: uniform, the same on every join); after: 1 + an increasing counter
  (first come, first served), so every late buyer ranks after every early one. Nobody is ever
  removed, so a rank below `admitted` stays admitted.
- `passes` (sorted set): buyer id -> when their pass runs out (ms); `spent` (set): passes used
  by a confirmed booking.

Admission is lazy: whoever reads the room's shared state (at most once a second per process)
runs `advance`, which counts the admissions due since `last` at the current rate, never more
than there are buyers in the queue, in one atomic script. Any number of app instances can run
it: time comes from Redis (`TIME`), so admissions are counted once whoever counts them. No
beat task has to run every second."""

import logging
from dataclasses import dataclass

from django.utils.translation import gettext_lazy
from redis.exceptions import RedisError

from apps.common import metrics, rate_limits
from apps.common.errors import ServiceUnavailable
from apps.common.process_cache import MISSING, ProcessCache
from apps.common.redis import redis_connection, redis_health, redis_key, registered_script

logger = logging.getLogger(__name__)

ROOM_TTL_SECONDS = 14 * 24 * 3600  # a room's keys outlive its sale by far, then go

_LUA_COMMON = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function advance(cfg, q, now)
  local c = redis.call('HMGET', cfg, 'rate', 'opens', 'paused', 'admitted', 'last', 'on')
  if not c[1] then return nil end
  local rate, opens = tonumber(c[1]), tonumber(c[2])
  local admitted, last = tonumber(c[4]) or 0, tonumber(c[5]) or 0
  if c[3] == '1' or c[6] ~= '1' or now < opens then
    -- Paused, off or not open yet: no admissions, and no credit saved up for later.
    redis.call('HSET', cfg, 'last', string.format('%.3f', now))
    return admitted
  end
  if last < opens then last = opens end
  local interval = 60000 / rate
  local due = math.floor((now - last) / interval)
  if due > 0 then
    local size = redis.call('ZCARD', q)
    if admitted + due > size then
      -- Everybody waiting is in: the clock restarts now, so a lull banks no burst.
      admitted = math.max(admitted, size)
      last = now
    else
      admitted = admitted + due
      last = last + due * interval
    end
    redis.call('HSET', cfg, 'admitted', admitted, 'last', string.format('%.3f', last))
  end
  return admitted
end
-- KEYS: cfg, q, passes, spent. What one buyer (ARGV[1]) sees: {outcome, now, rank, admitted,
-- pass expiry}; outcome -1 no room in Redis, -2 room off, -3 not in the queue, 0 waiting,
-- 1 admitted (the pass is issued on the first look and keeps its expiry), 2 pass spent.
local function mine(keys, user)
  local now = now_ms()
  local c = redis.call('HMGET', keys[1], 'on', 'admitted', 'pass')
  if not c[1] then return {-1, now} end
  if c[1] ~= '1' then return {-2, now} end
  local rank = redis.call('ZRANK', keys[2], user)
  if not rank then return {-3, now} end
  local admitted = tonumber(c[2]) or 0
  if rank >= admitted then return {0, now, rank, admitted} end
  if redis.call('SISMEMBER', keys[4], user) == 1 then return {2, now, rank, admitted} end
  local expires = redis.call('ZSCORE', keys[3], user)
  if not expires then
    expires = now + tonumber(c[3])
    redis.call('ZADD', keys[3], expires, user)
    redis.call('EXPIRE', keys[3], tonumber(ARGV[#ARGV]))
  end
  return {1, now, rank, admitted, tostring(expires)}
end
"""

# ARGV: on, rate, opens, paused, pass ms, seed, ttl. Admissions due under the old settings are
# counted first, so a new rate or a pause applies from now on, not retroactively.
_SYNC = (
    _LUA_COMMON
    + """
local now = now_ms()
advance(KEYS[1], KEYS[2], now)
redis.call('HSET', KEYS[1], 'on', ARGV[1], 'rate', ARGV[2], 'opens', ARGV[3], 'paused', ARGV[4],
  'pass', ARGV[5], 'seed', ARGV[6])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
return 1
"""
)

# The shared part: {admitted, waiting+admitted, rate, paused, opens, on, passes in use, now,
# pass ms}, or nil when Redis has no settings for the room.
_STATE = (
    _LUA_COMMON
    + """
local now = now_ms()
local admitted = advance(KEYS[1], KEYS[2], now)
if admitted == nil then return nil end
local c = redis.call('HMGET', KEYS[1], 'rate', 'paused', 'opens', 'on', 'pass')
return {admitted, redis.call('ZCARD', KEYS[2]), c[1], c[2], c[3], c[4],
  redis.call('ZCOUNT', KEYS[3], now + 1, '+inf'), now, c[5]}
"""
)

# ARGV: buyer id, ttl, and (counted joins) the join's limits as rate_limits.limit_args gives
# them; KEYS 5 and 6 are then the buyer's and the address's join counters, in the room's slot.
# A refused join is {-4, now, 1 or 2 (which counter), ms until it resets} and changes nothing.
# One place per buyer: ZSCORE then ZADD inside one script.
_JOIN = (
    _LUA_COMMON
    + rate_limits.LUA_RATE_CHECK
    + """
if ARGV[3] then
  local limited = rate_check(KEYS[5], KEYS[6], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
  if limited[1] ~= 0 then return {-4, now_ms(), limited[1], limited[2]} end
end
local c = redis.call('HMGET', KEYS[1], 'on', 'opens', 'admitted', 'seed')
if not c[1] then return {-1, now_ms()} end
if c[1] ~= '1' then return {-2, now_ms()} end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  local score
  if now_ms() < tonumber(c[2]) and (tonumber(c[3]) or 0) == 0 then
    score = tonumber(string.sub(redis.sha1hex(c[4] .. ':' .. ARGV[1]), 1, 13), 16) / 2^52
  else
    score = 1 + redis.call('HINCRBY', KEYS[1], 'seq', 1)
  end
  redis.call('ZADD', KEYS[2], score, ARGV[1])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
end
return mine(KEYS, ARGV[1])
"""
)

_MINE = _LUA_COMMON + "\nreturn mine(KEYS, ARGV[1])\n"

# KEYS: passes, spent; ARGV: buyer id. The pass's expiry as Redis has it, or 0 (none), -1 spent.
_TICKET_LOOKUP = """
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return -1 end
local e = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not e then return 0 end
return tostring(e)
"""

_SPEND = """
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
"""


class RoomUnavailable(ServiceUnavailable):
    code = "waiting_room_unavailable"
    default_detail = gettext_lazy(
        "The waiting room is briefly unavailable; you keep your place. This page tries again "
        "by itself."
    )
    retryable = True


@dataclass(frozen=True)
class SharedState:
    """The part of a room's status that is the same for every buyer."""

    on: bool
    admitted: int
    queued: int  # everybody who ever joined: admitted + waiting
    rate_per_minute: int
    paused: bool
    opens_ms: int
    now_ms: int
    passes_in_use: int
    pass_ms: int

    @property
    def waiting(self) -> int:
        return max(0, self.queued - self.admitted)


def keys(event_id) -> dict[str, str]:
    base = redis_key(f"{{room:{int(event_id)}}}")
    return {name: f"{base}:{name}" for name in ("cfg", "q", "passes", "spent")}


def _run(name: str, source: str, key_names, event_id, args=(), more_keys=()):
    """Runs one script on the room's keys (and `more_keys`, in the room's slot); Redis away is
    RoomUnavailable (the room fails closed: nobody is admitted while nobody can count)."""
    conn = redis_connection()
    if conn is None or not redis_health.available():
        metrics.ROOM_UNAVAILABLE.inc()
        raise RoomUnavailable()
    room = keys(event_id)
    try:
        return registered_script(conn, name, source)(
            keys=[room[k] for k in key_names] + list(more_keys), args=list(args)
        )
    except RedisError as exc:
        redis_health.failed()
        metrics.ROOM_UNAVAILABLE.inc()
        logger.warning("waiting room unavailable event=%s: %s", event_id, exc)
        raise RoomUnavailable() from None


def push_settings(event_id, *, on, rate, opens_ms, paused, pass_ms, seed) -> None:
    _run(
        "room-sync",
        _SYNC,
        ("cfg", "q"),
        event_id,
        (int(on), rate, opens_ms, int(paused), pass_ms, seed, ROOM_TTL_SECONDS),
    )
    _shared.forget(int(event_id))


def read_shared(event_id) -> SharedState | None:
    """The shared state, advanced to now, at most SHARED_SECONDS old in this process; None
    when Redis has no settings for the room."""
    found = _shared.get(int(event_id))
    if found is not MISSING:
        return found
    raw = _run("room-state", _STATE, ("cfg", "q", "passes"), event_id)
    state = None
    if raw is not None:
        admitted, queued, rate, paused, opens, on, in_use, now, pass_ms = raw
        state = SharedState(
            on=on == b"1",
            admitted=int(admitted),
            queued=int(queued),
            rate_per_minute=int(rate),
            paused=paused == b"1",
            opens_ms=int(float(opens)),
            now_ms=int(now),
            passes_in_use=int(in_use),
            pass_ms=int(pass_ms),
        )
        _shared.set(int(event_id), state)
        metrics.ROOM_WAITING.labels(int(event_id)).set(state.waiting)
        metrics.ROOM_ADMITTED.labels(int(event_id)).set(state.admitted)
    return state


def forget_shared(event_id=None) -> None:
    _shared.forget() if event_id is None else _shared.forget(int(event_id))


def join(event_id, user_id, address: str | None = None) -> list:
    """The buyer's place, joining if new; with an `address`, the join is first counted against
    the room_join limits of the buyer and of that address (in this room), in the same call."""
    args, counters = [user_id, ROOM_TTL_SECONDS], []
    if address is not None:
        base = redis_key(f"{{room:{int(event_id)}}}")
        counters = [f"{base}:joins:u:{user_id}", f"{base}:joins:ip:{address}"]
        args += rate_limits.limit_args("room_join")
    return _run(
        "room-join", _JOIN, ("cfg", "q", "passes", "spent"), event_id, args, more_keys=counters
    )


def mine(event_id, user_id) -> list:
    return _run(
        "room-mine", _MINE, ("cfg", "q", "passes", "spent"), event_id, (user_id, ROOM_TTL_SECONDS)
    )


def pass_expiry(event_id, user_id) -> int:
    """The buyer's pass as Redis has it: its expiry (ms), 0 for none, -1 when spent."""
    return int(float(_run("room-pass", _TICKET_LOOKUP, ("passes", "spent"), event_id, (user_id,))))


def spend(event_id, user_id) -> None:
    _run("room-spend", _SPEND, ("passes", "spent"), event_id, (user_id, ROOM_TTL_SECONDS))


# The shared part of the status, per process: 10,000 buyers polling cost one script call a
# second per process and room, not one each. A second-old "admitted" makes a buyer wait at most
# a second longer; the buyer's own script reads the fresh one anyway.
SHARED_SECONDS = 1.0
_shared = ProcessCache("waiting-room-state", seconds=SHARED_SECONDS, max_entries=256)
