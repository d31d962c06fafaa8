"""The room's order and pace on the real Redis: a lottery before opening, first come first
served after, one place per account however many joins race, and nobody admitted while paused."""

import time

import pytest

from apps.accounts.models import User
from apps.common.process_cache import forget_all
from apps.waitingroom import services
from tests import factories
from tests.concurrency import run_at_once

from .rooms import admit, room_event, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def spearman(xs, ys) -> float:
    """Rank correlation of two rankings without ties (1: same order, 0: unrelated)."""
    n = len(xs)
    rank_x = {v: i for i, v in enumerate(sorted(xs))}
    rank_y = {v: i for i, v in enumerate(sorted(ys))}
    d2 = sum((rank_x[x] - rank_y[y]) ** 2 for x, y in zip(xs, ys, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def positions(users, event) -> list[int]:
    forget_all()
    return [services.room_status(user=u, event_id=event.pk).position for u in users]


def admitted(users, event) -> list[bool]:
    forget_all()
    return [services.room_status(user=u, event_id=event.pk).state == "admitted" for u in users]


def test_buyers_who_join_before_opening_are_admitted_in_a_random_order():
    # A fixed lottery seed and fixed account ids make the draw the same on every run.
    event = room_event(opens_in=3600, rate=60_000, draw_seed="issue-13-lottery")
    users = [factories.UserFactory(id=910_000 + i) for i in range(300)]
    for user in users:  # arrival order: 0, 1, 2, ...
        place = services.join_room(user=user, event_id=event.pk)
        assert place.state == "waiting"
        assert place.estimated_wait_seconds >= 3500  # the room opens in an hour

    order = positions(users, event)
    assert sorted(order) == list(range(1, 301))  # everybody has one distinct place
    # Under "arrival does not matter", rho has a standard deviation of 1/sqrt(299) = 0.058;
    # first come first served would be 1.
    rho = spearman(list(range(300)), order)
    assert abs(rho) < 0.2, rho
    # Neither end of the queue belongs to the early birds.
    assert sum(p <= 30 for p in order[:30]) < 10

    # The room opens: admission follows the drawn order, not the arrival order.
    services.configure_room(event_id=event.pk, opens_at=event.room.opens_at.replace(year=2000))
    services.configure_room(event_id=event.pk, admission_per_minute=1200)  # 20 a second
    time.sleep(1.0)
    is_in = admitted(users, event)
    count = sum(is_in)
    assert 5 <= count < 300
    assert {p for p, a in zip(order, is_in, strict=True) if a} == set(range(1, count + 1))


def test_buyers_who_join_after_opening_are_served_first_come_first_served():
    event = room_event(opens_in=-60, rate=600, paused=True)
    users = [factories.UserFactory() for _ in range(30)]
    for user in users:
        services.join_room(user=user, event_id=event.pk)
    assert positions(users, event) == list(range(1, 31))

    services.resume_room(event_id=event.pk)  # 10 a second from now on
    time.sleep(1.2)
    is_in = admitted(users, event)
    count = sum(is_in)
    assert 5 <= count <= 20, count
    assert is_in == [True] * count + [False] * (30 - count)  # exactly the first arrivals

    still_waiting = services.room_status(user=users[count], event_id=event.pk)
    assert still_waiting.position == 1
    assert still_waiting.poll_seconds >= 2


def test_a_buyer_has_one_place_however_many_joins_race():
    event = room_event(opens_in=-60, rate=1, paused=True)
    ahead = [factories.UserFactory() for _ in range(3)]
    for user in ahead:
        services.join_room(user=user, event_id=event.pk)
    buyer = factories.UserFactory()
    others = [factories.UserFactory() for _ in range(16)]

    # Sixteen tabs of one buyer and sixteen other buyers, all at the same moment.
    calls = [lambda: services.join_room(user=buyer, event_id=event.pk) for _ in range(16)]
    calls += [lambda u=u: services.join_room(user=u, event_id=event.pk) for u in others]
    outcomes = run_at_once(calls)
    assert all(exc is None for _, exc in outcomes), outcomes

    mine = {place.position for place, _ in outcomes[:16]}
    assert len(mine) == 1  # every tab saw the same place
    forget_all()
    again = services.join_room(user=buyer, event_id=event.pk)  # a reload, another device
    assert again.position == services.room_status(user=buyer, event_id=event.pk).position
    everyone = [*ahead, buyer, *others]
    assert sorted(positions(everyone, event)) == list(range(1, 21))  # 20 accounts, 20 places
    assert services.room_figures(event.pk).waiting == 20


def test_pausing_stops_admission_and_resuming_goes_on_at_the_new_rate():
    event = room_event(opens_in=-1, rate=6000)  # 100 a second
    users = [factories.UserFactory() for _ in range(50)]
    services.pause_room(event_id=event.pk)
    for user in users:
        services.join_room(user=user, event_id=event.pk)

    time.sleep(0.6)
    assert not any(admitted(users, event))  # 60 would have been due
    place = services.room_status(user=users[0], event_id=event.pk)
    assert place.paused and place.estimated_wait_seconds is None
    figures = services.room_figures(event.pk)
    assert (figures.waiting, figures.admitted, figures.paused) == (50, 0, True)

    services.configure_room(event_id=event.pk, paused=False, admission_per_minute=300)  # 5/s
    first = admit(users[0], event)
    assert first.queue_pass and first.pass_expires_at
    time.sleep(0.5)
    figures = services.room_figures(event.pk)
    assert 1 <= figures.admitted <= 8  # the new rate, not a burst of what the pause held back
    assert figures.minutes_to_empty == pytest.approx(figures.waiting / 300, abs=0.1)
    assert figures.passes_in_use >= 1


def test_joining_a_room_that_is_off_or_missing():
    no_room = factories.on_sale_event()
    buyer = factories.UserFactory()
    with pytest.raises(Exception) as missing:
        services.join_room(user=buyer, event_id=no_room.pk)
    assert missing.value.code == "no_waiting_room"

    event = room_event()
    services.configure_room(event_id=event.pk, enabled=False)
    forget_all()
    assert services.join_room(user=buyer, event_id=event.pk).state == "closed"
    assert User.objects.filter(pk=buyer.pk).exists()


def test_redis_forgetting_a_room_gets_its_settings_back_from_the_database():
    event = room_event(opens_in=-60, rate=60_000)
    buyer = factories.UserFactory()
    services.join_room(user=buyer, event_id=event.pk)
    from django.core.cache import cache

    cache.clear()  # Redis restarted empty
    forget_all()
    place = services.join_room(user=buyer, event_id=event.pk)
    assert place.state in ("waiting", "admitted")
    wait_until(lambda: admit(buyer, event))
