"""How soon a waiting buyer asks again, so that a room's status answers stay within a budget
(ROOM_STATUS_PER_SECOND, for the whole shop) however large the crowd.

A buyer at position p is told to ask again in clamp(p / pace, low, high) seconds: the ones
about to be admitted every `low` seconds, the ones far back rarely. With W buyers waiting the
room is then asked, per second,

    R(pace) = min(W, low·pace) / low                       the front, at the shortest interval
            + pace · ln(min(W, high·pace) / (low·pace))    the middle, p / pace apart
            + max(0, W − high·pace) / high                 the back, at the longest interval

which grows with the pace; `pace` is the largest one with R within the budget. At 10,000
waiting, a budget of 250 and 2 to 120 s, the first ~80 buyers ask every 2 s, number 1,000
every ~25 s and number 10,000 every 120 s. Past 30,000 waiting the budget cannot be kept (one
ask each per 120 s is already 250 a second): the extra buyers ask every 120 s and the front
keeps the pace of 27,000. A fixed share of the wait instead (a tenth of it, the first
version) made 10,000 buyers ask ~850 times a second at 1,200 admissions a minute: more than
the 2-core bench machine serves, so every answer queued (P50 20 s)."""

import math
from functools import lru_cache


def _asks_per_second(waiting: int, pace: float, low: float, high: float) -> float:
    if pace <= 0:
        return waiting / high
    front = min(waiting, low * pace)
    rate = front / low
    if waiting > low * pace:
        rate += pace * math.log(min(waiting, high * pace) / (low * pace))
    return rate + max(0.0, waiting - high * pace) / high


@lru_cache(maxsize=512)
def pace_for(waiting: int, budget: float, low: float, high: float) -> float:
    """Positions per second of interval such that `waiting` buyers ask about `budget` times a
    second (bisection; R is increasing in the pace). Cached: the waiting count is rounded to
    two significant digits by the caller, so a crowd costs a few hundred entries at most."""
    if _asks_per_second(waiting, waiting / low, low, high) <= budget:
        return waiting / low  # everybody may ask at the shortest interval
    lo, hi = 0.0, waiting / low
    for _ in range(40):
        mid = (lo + hi) / 2
        if _asks_per_second(waiting, mid, low, high) > budget:
            hi = mid
        else:
            lo = mid
    return lo


def _rounded(waiting: int) -> int:
    if waiting < 100:
        return max(1, waiting)
    digits = 10 ** (len(str(waiting)) - 2)
    return math.ceil(waiting / digits) * digits


def poll_seconds(position: int, waiting: int, *, budget: float, low: float, high: float) -> float:
    """When the buyer at `position` (1 = next in) of `waiting` should ask again, in seconds."""
    # Past what the budget can serve at the longest interval, the extra buyers ask at that
    # interval and the front keeps the pace of the largest crowd the budget serves.
    crowd = min(_rounded(max(waiting, position)), _rounded(int(0.9 * budget * high)))
    pace = pace_for(crowd, budget, low, high)
    return round(min(high, max(low, position / pace)), 1)
