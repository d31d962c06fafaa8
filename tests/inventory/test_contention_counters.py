"""The seat-lock contention counters on real PostgreSQL and Redis: what the hot path records,
what the rollup makes of it, and what is counted when Redis is down."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.common import metrics
from apps.common.errors import Conflict
from apps.common.redis import redis_connection
from apps.inventory import lockstats
from apps.inventory.holds import hold_seats
from apps.inventory.holds.locks import LockResult
from apps.inventory.models import EventSeat, LockStat
from tests.concurrency import run_at_once
from tests.factories import UserFactory, on_sale_event


def _seats(event, n):
    return list(event.event_seats.order_by("id").values_list("id", flat=True)[:n])


def _row(seat_id):
    return LockStat.objects.get(event_seat_id=seat_id)


@pytest.mark.django_db(transaction=True)
def test_a_real_race_counts_every_attempt_as_acquired_or_failed(settings):
    # No waiting for a busy lock: whoever arrives while the winner is inside its transaction
    # is turned away at once, so a race of this size always has losers at the lock.
    settings.TICKETING = {**settings.TICKETING, "LOCK_WAIT_SECONDS": 0.0}
    # Every buyer goes to the locks: those who arrive after the winner's hold would otherwise
    # be refused from the process's snapshot of taken seats, before any lock attempt (how many
    # depends on the threads' timing).
    settings.TICKETING = {**settings.TICKETING, "TAKEN_SEATS_SECONDS": 0}
    event = on_sale_event(rows=1, seats_per_row=10)
    wanted = _seats(event, 2)
    buyers = [UserFactory() for _ in range(24)]
    busy_before = metrics.LOCK_OUTCOMES.labels("busy")._value.get()

    outcomes = run_at_once(
        [(lambda b=b: hold_seats(user=b, event_id=event.id, event_seat_ids=wanted)) for b in buyers]
    )

    won = [hold for hold, error in outcomes if error is None]
    errors = [error for _, error in outcomes if error is not None]
    assert all(isinstance(e, Conflict) for e in errors), errors
    busy = sum(e.code == "seat_busy" for e in errors)
    taken = sum(e.code == "seats_unavailable" for e in errors)
    assert len(won) == 1 and busy + taken == len(buyers) - 1
    assert busy >= 1, "nobody lost the race at the Redis lock"

    assert lockstats.rollup() == 2
    for seat_id in wanted:
        row = _row(seat_id)
        assert row.event_id == event.id
        assert row.attempts == len(buyers)
        assert row.acquired == len(won) + taken
        assert row.failed == busy
        assert row.attempts == row.acquired + row.failed
        assert row.degraded == 0
        assert sum(getattr(row, c) for c in lockstats.WAIT_BUCKET_COLUMNS) == row.attempts
        assert row.held_ms_total > 0
    # Prometheus counts the same outcomes (per seat).
    assert metrics.LOCK_OUTCOMES.labels("busy")._value.get() - busy_before == 2 * busy


@pytest.mark.django_db
def test_rollup_is_idempotent_and_keeps_adding_within_the_minute():
    event = on_sale_event(rows=1, seats_per_row=4)
    a, b = _seats(event, 2)
    lockstats.record(LockResult(event.id, [a, b], acquired=True, wait_ms=0.4, held_ms=12.0))
    lockstats.record(LockResult(event.id, [a], acquired=False, wait_ms=51.0))

    assert lockstats.rollup() == 2
    first = {r.event_seat_id: r for r in LockStat.objects.all()}
    assert lockstats.rollup() == 2
    again = {r.event_seat_id: r for r in LockStat.objects.all()}
    assert LockStat.objects.count() == 2
    for seat_id, row in first.items():
        same = again[seat_id]
        assert (same.attempts, same.acquired, same.failed, same.wait_ms_total) == (
            row.attempts,
            row.acquired,
            row.failed,
            row.wait_ms_total,
        )
    assert (first[a].attempts, first[a].acquired, first[a].failed) == (2, 1, 1)
    assert first[a].wait_le_1 == 1 and first[a].wait_le_100 == 1
    assert first[a].wait_ms_total == pytest.approx(51.4)
    assert first[a].held_ms_total == pytest.approx(12.0)
    assert (first[b].attempts, first[b].acquired, first[b].failed) == (1, 1, 0)

    # More activity in the same minute: the next rollup brings the row up to date.
    lockstats.record(LockResult(event.id, [b], acquired=False, wait_ms=3.0))
    lockstats.rollup()
    assert (_row(b).attempts, _row(b).failed, _row(b).wait_le_5) == (2, 1, 1)


@pytest.mark.django_db
def test_a_hash_restarted_from_zero_never_shrinks_what_was_rolled_up():
    event = on_sale_event(rows=1, seats_per_row=4)
    (a,) = _seats(event, 1)
    for _ in range(3):
        lockstats.record(LockResult(event.id, [a], acquired=True, wait_ms=0.2, held_ms=5.0))
    lockstats.rollup()
    assert _row(a).attempts == 3

    redis_connection().flushdb()  # Redis restarted and lost its data
    lockstats.record(LockResult(event.id, [a], acquired=False, wait_ms=50.0))
    lockstats.rollup()
    row = _row(a)
    assert (row.attempts, row.acquired, row.failed) == (3, 3, 0)


@pytest.mark.django_db
def test_closed_minutes_leave_the_index_and_late_writes_bring_them_back(monkeypatch):
    event = on_sale_event(rows=1, seats_per_row=4)
    (a,) = _seats(event, 1)
    minute = lockstats.current_minute() - 10
    monkeypatch.setattr(lockstats, "current_minute", lambda: minute)
    lockstats.record(LockResult(event.id, [a], acquired=True, wait_ms=0.2, held_ms=5.0))
    monkeypatch.undo()

    conn = redis_connection()
    key = lockstats.window_key(event.id, minute)
    assert conn.sismember(lockstats.index_key(), key)
    lockstats.rollup()
    assert not conn.sismember(lockstats.index_key(), key), "a closed minute is rolled up once"
    assert _row(a).window_start == lockstats.minute_start(minute)

    # A straggler writing into that minute (a skewed clock) is not lost.
    monkeypatch.setattr(lockstats, "current_minute", lambda: minute)
    lockstats.record(LockResult(event.id, [a], acquired=False, wait_ms=60.0))
    monkeypatch.undo()
    lockstats.rollup()
    assert (_row(a).attempts, _row(a).failed) == (2, 1)


@pytest.mark.django_db
def test_rollup_ignores_ids_that_are_not_the_events_seats():
    event = on_sale_event(rows=1, seats_per_row=4)
    other = on_sale_event(rows=1, seats_per_row=4)
    (mine,) = _seats(event, 1)
    (theirs,) = _seats(other, 1)
    lockstats.record(LockResult(event.id, [mine, theirs, 10**9], acquired=True, wait_ms=1.0))
    assert lockstats.rollup() == 1
    assert list(LockStat.objects.values_list("event_seat_id", flat=True)) == [mine]


@pytest.mark.django_db
def test_rollup_with_nothing_to_do_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert lockstats.rollup() == 0
    assert len(queries) == 0


@pytest.mark.django_db
def test_an_expired_hash_is_dropped_from_the_index():
    conn = redis_connection()
    gone = lockstats.window_key(1, lockstats.current_minute())
    conn.sadd(lockstats.index_key(), gone)
    assert lockstats.rollup() == 0
    assert not conn.sismember(lockstats.index_key(), gone)


@pytest.mark.django_db
def test_holds_made_while_redis_is_down_count_as_degraded(dead_redis):
    event = on_sale_event(rows=1, seats_per_row=6)
    a, b, c, d = _seats(event, 4)
    degraded_before = metrics.LOCK_OUTCOMES.labels("degraded")._value.get()

    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=[a, b])
    # The breaker is open now: the next buyer skips Redis altogether, and is counted too (the
    # seat they lose was sold a moment ago by another process, so this one learns it late).
    EventSeat.objects.filter(pk=c).update(status=EventSeat.Status.SOLD)
    with pytest.raises(Conflict):
        hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=[c, d])

    rows = {r.event_seat_id: r for r in LockStat.objects.filter(event=event)}
    assert {k: r.degraded for k, r in rows.items()} == {a: 1, b: 1, c: 1, d: 1}
    assert all(r.attempts == 0 for r in rows.values())
    assert metrics.LOCK_OUTCOMES.labels("degraded")._value.get() - degraded_before == 4
    assert rows[a].window_start > timezone.now() - timedelta(minutes=2)


@pytest.mark.django_db
def test_degraded_and_redis_counts_share_a_row_without_overwriting_each_other(dead_redis):
    event = on_sale_event(rows=1, seats_per_row=4)
    (a,) = _seats(event, 1)
    lockstats.record(LockResult(event.id, [a, 10**9], degraded=True))
    assert LockStat.objects.get().degraded == 1


@pytest.mark.django_db
def test_degraded_count_joins_the_rolled_up_row_of_its_minute():
    event = on_sale_event(rows=1, seats_per_row=4)
    (a,) = _seats(event, 1)
    lockstats.record(LockResult(event.id, [a], acquired=True, wait_ms=0.5, held_ms=3.0))
    lockstats.record(LockResult(event.id, [a], degraded=True))
    lockstats.rollup()
    lockstats.record(LockResult(event.id, [a], degraded=True))
    lockstats.rollup()
    row = _row(a)
    assert (row.attempts, row.acquired, row.degraded) == (1, 1, 2)
