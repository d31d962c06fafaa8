"""A hold with a valid pass costs the SQL of a hold without a room (none added: the pass is a
signature and the room's flag comes with the sale facts) and one Redis round trip more (was the
pass spent?). An event without a room pays nothing: tests/inventory/test_hold_budget.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.inventory.holds import hold_seats
from apps.waitingroom import services
from tests.factories import UserFactory, on_sale_event
from tests.inventory.test_hold_budget import MAX_REDIS, redis_round_trips  # noqa: F401

from .rooms import admit, room_event

pytestmark = pytest.mark.django_db(transaction=True)


def _row(event, row: str, count: int) -> list[int]:
    seats = event.event_seats.filter(seat__row=row).order_by("seat__number")
    return list(seats.values_list("id", flat=True)[:count])


def _measured_hold(event, buyer, queue_pass, redis_round_trips):  # noqa: F811
    # Steady state: another buyer's hold a moment ago, so this process knows the event's facts.
    other, other_pass = _warm_up_buyer(event)
    hold_seats(
        user=other, event_id=event.pk, event_seat_ids=_row(event, "5", 1), queue_pass=other_pass
    )
    with CaptureQueriesContext(connection) as sql, redis_round_trips() as trips:
        hold = hold_seats(
            user=buyer, event_id=event.pk, event_seat_ids=_row(event, "2", 3), queue_pass=queue_pass
        )
    assert len(hold.seat_lines) == 3
    return len(sql.captured_queries), trips[0]


def _warm_up_buyer(event):
    other = UserFactory()
    if not event.waiting_room:
        return other, None
    services.join_room(user=other, event_id=event.pk)
    return other, admit(other, event).queue_pass


def test_a_hold_with_a_valid_pass_adds_no_sql_statement(redis_round_trips):  # noqa: F811
    plain = on_sale_event(rows=5, seats_per_row=10)
    plain_sql, plain_redis = _measured_hold(plain, UserFactory(), None, redis_round_trips)

    event = room_event(opens_in=-60, rate=60_000, rows=5, seats_per_row=10)
    buyer = UserFactory()
    services.join_room(user=buyer, event_id=event.pk)
    queue_pass = admit(buyer, event).queue_pass
    room_sql, room_redis = _measured_hold(event, buyer, queue_pass, redis_round_trips)

    assert room_sql == plain_sql
    assert room_redis == plain_redis + 1
    assert room_redis <= MAX_REDIS + 1
