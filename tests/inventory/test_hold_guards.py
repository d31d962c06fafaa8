"""Safety net for the guards of layer 2 (docs/architecture.md, the seat-hold protocol): each test
here fails when the one guard it is named for is taken out of the hold engine
(apps/inventory/holds/, apps/inventory/seats.py). Another buyer is a real second database
connection (a thread), never a mock."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from apps.common.errors import Conflict
from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat, Hold
from apps.inventory.snapshot import forget as forget_taken_seats
from tests.factories import UserFactory, on_sale_event


def seat_ids(event):
    return list(event.event_seats.order_by("id").values_list("id", flat=True))


def someone_waits_on_a_row_lock() -> bool:
    """Whether a backend of this database is queued behind a row lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


class OtherConnection(threading.Thread):
    """Another transaction, on its own connection: row-locks `ids`, applies `change` to them,
    says so through `locked`, then ends (commit, or rollback when `rollback`) once `release()`
    returns true or after `timeout` seconds."""

    def __init__(self, ids, change=None, rollback=False, release=lambda: False, timeout=3.0):
        super().__init__()
        self.ids, self.change, self.rollback = ids, change, rollback
        self.release, self.timeout = release, timeout
        self.locked = threading.Event()
        self.finish = threading.Event()
        self.released_early = False
        self.error = None

    def run(self):
        try:
            with transaction.atomic():
                seats = EventSeat.objects.filter(id__in=self.ids)
                list(seats.select_for_update().order_by("id").values_list("id", flat=True))
                if self.change:
                    seats.update(**self.change)
                self.locked.set()
                deadline = time.monotonic() + self.timeout
                while time.monotonic() < deadline and not self.finish.is_set():
                    if self.release():
                        self.released_early = True
                        break
                    time.sleep(0.02)
                if self.rollback:
                    transaction.set_rollback(True)
        except Exception as exc:  # reported by the test, not lost in the thread
            self.error = exc
        finally:
            self.locked.set()
            connections.close_all()

    def __enter__(self):
        self.start()
        assert self.locked.wait(10), "the other connection never took its locks"
        assert self.error is None, self.error
        return self

    def __exit__(self, *exc):
        self.finish.set()
        self.join(15)
        assert not self.is_alive(), "the other connection hung"
        assert self.error is None, self.error


@pytest.mark.django_db(transaction=True)
def test_chosen_seats_sold_by_a_transaction_in_flight_are_refused_by_name(settings):
    settings.TICKETING = {**settings.TICKETING, "TAKEN_SEATS_SECONDS": 0}  # no snapshot refusal
    event = on_sale_event(rows=1, seats_per_row=4)
    a, b = seat_ids(event)[:2]
    buyer = UserFactory()
    sold = {"status": EventSeat.Status.SOLD, "hold": None, "held_until": None}
    started = time.monotonic()

    def after_half_a_second_with_the_hold_queued_behind():
        return time.monotonic() - started > 0.5 and someone_waits_on_a_row_lock()

    with (
        OtherConnection(
            [a, b], change=sold, release=after_half_a_second_with_the_hold_queued_behind, timeout=10
        ) as other,
        pytest.raises(Conflict) as err,
    ):
        hold_seats(user=buyer, event_id=event.id, event_seat_ids=[a, b])
    assert other.released_early, "the hold attempt never waited on the other transaction"
    assert err.value.code == "seats_unavailable"
    assert err.value.extra.get("seats") == [a, b], "the buyer is told which seats are gone"
    assert not Hold.objects.filter(user=buyer).exists()
    assert set(EventSeat.objects.filter(id__in=[a, b]).values_list("status", flat=True)) == {"sold"}


@pytest.mark.django_db(transaction=True)
def test_best_available_passes_over_a_seat_another_buyer_is_locking():
    event = on_sale_event(rows=2, seats_per_row=2)
    front = list(
        EventSeat.objects.filter(event=event, seat__row="1")
        .order_by("id")
        .values_list("id", flat=True)
    )
    buyer = UserFactory()
    with OtherConnection(front[:1], rollback=True, timeout=3.0):
        started = time.monotonic()
        hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
        elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the buyer waited {elapsed:.2f}s behind another buyer's lock"
    rows = set(EventSeat.objects.filter(hold=hold).values_list("seat__row", flat=True))
    assert rows == {"2"}, "the block in use is skipped for the next one"
    assert EventSeat.objects.filter(hold=hold).count() == 2


@pytest.mark.django_db
def test_best_available_hands_out_seats_whose_hold_ran_out_unswept():
    event = on_sale_event(rows=1, seats_per_row=2)
    first = hold_seats(user=UserFactory(), event_id=event.id, quantity=2)
    past = timezone.now() - timedelta(seconds=1)
    Hold.objects.filter(pk=first.pk).update(expires_at=past)  # run out, no sweep
    EventSeat.objects.filter(hold=first).update(held_until=past)
    forget_taken_seats()  # this process's snapshot would be a second old by then

    second = hold_seats(user=UserFactory(), event_id=event.id, quantity=2)

    assert set(EventSeat.objects.filter(event=event).values_list("hold_id", flat=True)) == {
        second.id
    }
