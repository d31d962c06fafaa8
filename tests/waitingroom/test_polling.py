"""The interval a waiting buyer is told to ask again in keeps a whole crowd's status answers
within the room's budget (apps/waitingroom/polling.py): the crowd is simulated position by
position, the answers per second it makes are added up."""

import pytest

from apps.waitingroom import services
from apps.waitingroom.polling import poll_seconds

LIMITS = {"budget": 250.0, "low": 2.0, "high": 120.0}


def asks_per_second(waiting, **limits):
    return sum(1 / poll_seconds(p, waiting, **limits) for p in range(1, waiting + 1))


@pytest.mark.parametrize("waiting", [300, 2_000, 10_000, 25_000])
def test_a_crowd_asks_within_the_budget(waiting):
    assert asks_per_second(waiting, **LIMITS) <= LIMITS["budget"] * 1.02


def test_a_small_crowd_asks_at_the_shortest_interval():
    assert {poll_seconds(p, 400, **LIMITS) for p in range(1, 401)} == {2.0}


def test_the_front_asks_often_and_the_back_rarely():
    intervals = [poll_seconds(p, 10_000, **LIMITS) for p in range(1, 10_001)]
    assert intervals == sorted(intervals)
    assert intervals[0] == 2.0 and intervals[49] == 2.0
    assert intervals[-1] == 120.0
    # A tenth of the wait at 1,200 a minute (the first rule) would have made this crowd ask
    # ~850 times a second.
    assert sum(1 / min(120, max(2, p / 200)) for p in range(1, 10_001)) > 800


def test_a_crowd_beyond_the_budget_asks_at_the_longest_interval_but_the_front_still_often():
    assert poll_seconds(60_000, 60_000, **LIMITS) == 120.0
    assert poll_seconds(1, 60_000, **LIMITS) == 2.0
    assert asks_per_second(60_000, **LIMITS) < 60_000 / 120 + 60


def test_a_paused_room_is_asked_no_faster_than_five_shortest_intervals(settings):
    settings.TICKETING = {
        **settings.TICKETING,
        "ROOM_POLL_MIN_SECONDS": 2.0,
        "ROOM_POLL_MAX_SECONDS": 120.0,
        "ROOM_STATUS_PER_SECOND": 250.0,
    }
    assert services._poll_seconds(1, 10_000, paused=True) == 10.0
    assert services._poll_seconds(9_000, 10_000, paused=True) == 120.0
    assert services._poll_seconds(1, 10_000, paused=False) == 2.0
