"""The hot path's budget (issue 6): a hold of up to 4 seats costs at most 5 SQL statements and 2
Redis round trips. A change that adds a query or a round trip to every hold fails here, not in
the middle of a sale.

SQL statements are what Django executes, BEGIN/COMMIT of the service's transaction included.
A Redis round trip is one packed command sent on a connection: a pipeline or a Lua script is
one."""

import contextlib

import pytest
from redis.connection import AbstractConnection

from apps.common.errors import Conflict
from apps.inventory.holds import hold_seats
from apps.inventory.models import Hold
from tests.factories import UserFactory, on_sale_event

# A real transaction, as in production: inside the test's own transaction the service's atomic
# block would add SAVEPOINT statements that a live request never runs.
pytestmark = pytest.mark.django_db(transaction=True)

MAX_SQL = 5
MAX_REDIS = 2


@pytest.fixture
def event():
    return on_sale_event(sections=("A",), rows=6, seats_per_row=20)


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Counts every command (or pipeline, or script call) sent to Redis while the test runs."""
    sent = []
    original = AbstractConnection.send_packed_command

    def counting(conn, command, check_health=True):
        sent.append(command)
        return original(conn, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)

    @contextlib.contextmanager
    def measure():
        sent.clear()
        counted = []
        yield counted
        counted.append(len(sent))

    return measure


def _row_block(event, row: str, count: int) -> list[int]:
    return list(
        event.event_seats.filter(seat__row=row)
        .order_by("seat__number")
        .values_list("id", flat=True)[:count]
    )


def _prepare(event, kind: str, count: int):
    """Sets the scene outside the measurement; returns (the hold attempt, its check)."""
    buyer = UserFactory()
    outcome = {}
    # Steady state of a sale: another buyer's hold a moment ago, so this process knows the
    # event is on sale (services.EVENT_FACTS_SECONDS) and doesn't read it again.
    hold_seats(user=UserFactory(), event_id=event.pk, event_seat_ids=_row_block(event, "6", 1))
    if kind == "best":
        # The first best-available request of a venue reads its layout bounds once; after that
        # they come from the cache, which is the steady state during a sale.
        hold_seats(user=UserFactory(), event_id=event.pk, quantity=1)

        def attempt():
            outcome["hold"] = hold_seats(user=buyer, event_id=event.pk, quantity=count)

    else:
        seats = _row_block(event, str(count), count)
        if kind == "refused":
            hold_seats(user=UserFactory(), event_id=event.pk, event_seat_ids=seats)

        def attempt():
            try:
                outcome["hold"] = hold_seats(user=buyer, event_id=event.pk, event_seat_ids=seats)
            except Conflict as exc:
                outcome["refused"] = exc.code

    def check():
        if kind == "refused":
            assert outcome == {"refused": "seats_unavailable"}
        else:
            assert Hold.objects.get(pk=outcome["hold"].pk).event_seats.count() == count

    return attempt, check


CASES = [
    *[pytest.param("chosen", n, id=f"chosen-{n}") for n in (1, 2, 3, 4)],
    pytest.param("refused", 4, id="refused-4"),
    pytest.param("best", 1, id="best-available-1"),
    pytest.param("best", 4, id="best-available-4"),
]


# Counted as Django sees them, BEGIN and COMMIT included. A chosen-seat hold: BEGIN, seat row
# locks (with the buyer's live hold, if any, in the same statement), INSERT hold, UPDATE seats,
# COMMIT. Refused: BEGIN, seat row locks, ROLLBACK. Best-available: the candidate read, BEGIN,
# INSERT hold, lock-and-move in one statement, COMMIT. Redis: the locks taken, then released
# and counted in one script call.
@pytest.mark.parametrize(("kind", "count"), CASES)
def test_sql_statements_per_hold(event, kind, count, django_assert_max_num_queries):
    attempt, check = _prepare(event, kind, count)
    with django_assert_max_num_queries(MAX_SQL):
        attempt()
    check()


@pytest.mark.parametrize(("kind", "count"), CASES)
def test_redis_round_trips_per_hold(event, kind, count, redis_round_trips):
    attempt, check = _prepare(event, kind, count)
    with redis_round_trips() as trips:
        attempt()
    check()
    assert trips[0] <= MAX_REDIS, f"{trips[0]} Redis round trips for a {kind} hold of {count}"
