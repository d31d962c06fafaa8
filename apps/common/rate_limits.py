"""Rate limits per account and per client address, in one Redis round trip.

Holds, bookings, cancels and room joins are what a bot hammers to hoard seats. Each of these
actions has two limits (`RATE_LIMITS` in the settings: THROTTLE_<ACTION>_USER and _IP), both
checked by one Lua script: a fixed-window counter per account and one per client address
(apps.common.client_ip, so a forged X-Forwarded-For cannot reset it). Room joins are counted
by the same Lua function inside the room's own join script, per room, in the same round trip
as the join (apps.waitingroom.state). DRF's cache throttles
would cost a GET and a SET per key (four round trips and a pickled list of timestamps each) on
the hold path, whose budget is counted (tests/inventory/test_hold_budget.py).

A refused request counts against neither key: a blocked account does not eat the budget of the
others behind the same address. A fixed window lets a buyer make up to twice the limit across a
window boundary; that is plenty precise against hoarding and costs two integers per key.

With Redis unreachable (or no Redis at all, the embedded default) the limits let everything
through: a sale must not stop because its rate limiter cannot count. The waiting room fails
closed on its own (apps.waitingroom.state)."""

import functools
import logging
import math

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from . import metrics
from .client_ip import client_ip
from .errors import TooManyRequests
from .redis import redis_connection, redis_health, redis_key, registered_script

logger = logging.getLogger(__name__)

# Two fixed-window counters, the account's and the address's, checked and counted at once;
# {0, 0}: counted; {1 or 2, ms}: refused by that key, which resets in ms. A Lua function, so
# that the waiting room's join script can run it too (apps.waitingroom.state).
LUA_RATE_CHECK = """
local function rate_check(k1, k2, l1, l2, w1, w2)
  local keys, limits, windows = {k1, k2}, {tonumber(l1), tonumber(l2)}, {w1, w2}
  for i = 1, 2 do
    local n = tonumber(redis.call('GET', keys[i]) or '0')
    if n >= limits[i] then
      local ttl = redis.call('PTTL', keys[i])
      if ttl < 0 then
        redis.call('PEXPIRE', keys[i], windows[i])
        ttl = tonumber(windows[i])
      end
      return {i, ttl}
    end
  end
  for i = 1, 2 do
    if redis.call('INCR', keys[i]) == 1 then redis.call('PEXPIRE', keys[i], windows[i]) end
  end
  return {0, 0}
end
"""
_CHECK = LUA_RATE_CHECK + "return rate_check(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])"

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# What a refusal says, per action: its code and its message, by the key that refused it.
ACTIONS = {
    "hold": (
        "hold_rate_limited",
        {
            "account": _("Too many hold requests from this account; try again in %(s)s s."),
            "address": _("Too many hold requests from this address; try again in %(s)s s."),
        },
    ),
    "booking": (
        "booking_rate_limited",
        {
            "account": _("Too many payment attempts from this account; try again in %(s)s s."),
            "address": _("Too many payment attempts from this address; try again in %(s)s s."),
        },
    ),
    "cancel": (
        "cancel_rate_limited",
        {
            "account": _("Too many cancellations from this account; try again in %(s)s s."),
            "address": _("Too many cancellations from this address; try again in %(s)s s."),
        },
    ),
    "room_join": (
        "room_join_rate_limited",
        {
            "account": _(
                "Too many attempts to join the waiting room from this account; try again in "
                "%(s)s s."
            ),
            "address": _(
                "Too many attempts to join the waiting room from this address; try again in "
                "%(s)s s."
            ),
        },
    ),
}


@functools.lru_cache(maxsize=64)
def parse_rate(rate: str) -> tuple[int, int]:
    """'20/min' -> (20, 60): requests per window, window in seconds (DRF's notation: s, min,
    hour, day, or anything starting with those letters)."""
    try:
        count, period = rate.split("/")
        count = int(count)
        seconds = _PERIODS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError):
        raise ImproperlyConfigured(f"not a rate (like 20/min): {rate!r}") from None
    if count < 1:
        raise ImproperlyConfigured(f"a rate allows at least one request: {rate!r}")
    return count, seconds


def limit_args(action: str) -> list[int]:
    """The script's limits of `action`: the account's and the address's counts, then their
    windows in ms."""
    rates = settings.RATE_LIMITS[action]
    (user_count, user_window), (ip_count, ip_window) = (
        parse_rate(rates["user"]),
        parse_rate(rates["ip"]),
    )
    return [user_count, ip_count, user_window * 1000, ip_window * 1000]


def refusal(action: str, refused, ms) -> TooManyRequests:
    """The 429 of `action` when key `refused` (1: the account's, 2: the address's) is full for
    another `ms`."""
    code, messages = ACTIONS[action]
    by = "account" if int(refused) == 1 else "address"
    metrics.RATE_LIMITED.labels(action=action, by=by).inc()
    retry_after = max(1, math.ceil(int(ms) / 1000))
    return TooManyRequests(messages[by] % {"s": retry_after}, code=code, retry_after=retry_after)


def check(action: str, request) -> None:
    """Counts the request against the account's and the address's limits of `action`; raises
    TooManyRequests (429, its own code, `retry_after` seconds) past either."""
    args = limit_args(action)
    conn = redis_connection()
    if conn is None or not redis_health.available():
        return
    # One hash tag per action: on Redis Cluster both keys of a check sit in one slot, so the
    # script runs on one node (each action's counters then share that node; they are tiny).
    tag = f"{{rate:{action}}}"
    keys = [
        redis_key(tag, "u", request.user.pk),
        redis_key(tag, "ip", client_ip(request) or "unknown"),
    ]
    try:
        refused, ms = registered_script(conn, "rate_limit", _CHECK)(keys=keys, args=args)
    except RedisError as exc:
        redis_health.failed()
        logger.warning("rate limit of %s not counted, Redis unreachable: %r", action, exc)
        return
    if refused:
        raise refusal(action, refused, ms)


def rate_limited(action: str):
    """Decorates a DRF view method: the limits of `action` are checked before anything else
    (authentication and permissions have run), ahead of the idempotency record, so a refused
    request costs one Redis round trip and nothing more."""

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(view, request, *args, **kwargs):
            check(action, request)
            return handler(view, request, *args, **kwargs)

        return wrapper

    return decorate
