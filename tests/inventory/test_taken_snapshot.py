"""The taken-seat snapshot (apps/inventory/snapshot.py, layer 0) agrees with the database: it
never calls a free seat taken, it sees this process's own changes at once, another process's
within its second, and it survives Redis being flushed or down."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.bookings.services import cancel_booking, confirm_booking
from apps.common import process_cache
from apps.common.errors import Conflict
from apps.common.redis import redis_connection
from apps.inventory import snapshot
from apps.inventory.availability import is_free
from apps.inventory.holds import expire_holds, hold_seats, release_hold, release_holds_as_staff
from apps.inventory.models import EventSeat, Hold
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event
from tests.processes import database_url_for_tests, run_python

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def event():
    return on_sale_event(rows=2, seats_per_row=5)


def ids(event) -> list[int]:
    return list(event.event_seats.order_by("id").values_list("id", flat=True))


def taken_in_database(event) -> list[int]:
    now = timezone.now()
    return sorted(
        seat_id
        for seat_id, status, until in event.event_seats.values_list("id", "status", "held_until")
        if not is_free(status, until, now)
    )


def taken_in_snapshot(event, now=None) -> list[int]:
    return sorted(snapshot.taken_seats(event.id).gone(ids(event), now or timezone.now()))


def run_out(hold) -> object:
    """The database as it is once the hold's time has passed; returns that moment."""
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    EventSeat.objects.filter(hold=hold).update(held_until=timezone.now() - timedelta(seconds=1))
    return hold.expires_at + timedelta(seconds=1)


def card():
    return CardDetails.parse(
        number="4242424242424242", exp_month=12, exp_year=2035, cvc="123", name="A B"
    )


def test_this_processes_holds_sales_releases_and_cancellations_show_at_once(event, staff_user):
    seats = ids(event)
    assert taken_in_snapshot(event) == [] == taken_in_database(event)
    first = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[:2])
    second = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[2:4])
    buyer = UserFactory()
    third = hold_seats(user=buyer, event_id=event.id, event_seat_ids=seats[4:6])
    assert taken_in_snapshot(event) == seats[:6] == taken_in_database(event)

    release_hold(user=first.user, hold_id=first.id)
    assert taken_in_snapshot(event) == seats[2:6] == taken_in_database(event)
    release_holds_as_staff(hold_ids=[second.id], staff_user=staff_user)
    assert taken_in_snapshot(event) == seats[4:6] == taken_in_database(event)

    booking = confirm_booking(user=buyer, hold_id=third.id, card=card())
    assert taken_in_snapshot(event) == seats[4:6] == taken_in_database(event)
    cancel_booking(user=buyer, reference=booking.reference)
    assert taken_in_snapshot(event) == [] == taken_in_database(event)
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[4:6])  # free again


def test_a_hold_that_runs_out_is_never_refused_from_the_snapshot(event):
    seats = ids(event)
    hold = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[:2])
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[2:4])
    assert taken_in_snapshot(event) == seats[:4]
    later = run_out(hold)
    # Lazily expired, not swept: the snapshot has not been told, yet refuses neither of them.
    assert not set(taken_in_snapshot(event, later)) & set(seats[:2])
    assert set(taken_in_snapshot(event, later)) <= set(taken_in_database(event))


def test_the_sweep_leaves_nothing_refused(event):
    seats = ids(event)
    hold = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[:3])
    later = run_out(hold)
    assert expire_holds() == 1
    assert taken_in_snapshot(event, later) == [] == taken_in_database(event)
    time.sleep(snapshot.snapshot_seconds() + 0.1)  # read again from the database
    assert taken_in_snapshot(event) == [] == taken_in_database(event)


def test_another_process_changes_are_seen_within_the_second(event):
    seats = ids(event)
    hold = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[:2])
    assert taken_in_snapshot(event) == seats[:2]
    released = run_python(
        "import django; django.setup()\n"
        "from apps.accounts.models import User\n"
        "from apps.inventory.holds import release_hold\n"
        f"release_hold(user=User.objects.get(pk={hold.user_id}), hold_id='{hold.id}')\n"
        "from apps.inventory.holds import hold_seats\n"
        f"hold_seats(user=User.objects.get(pk={hold.user_id}), event_id={event.id}, "
        f"event_seat_ids={seats[5:7]})\n",
        env={
            "DJANGO_SETTINGS_MODULE": "ticketing.settings.test",
            "DATABASE_URL": database_url_for_tests(),
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],
            "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        },
    )
    assert released.returncode == 0, released.stderr
    assert taken_in_database(event) == seats[5:7]
    # This process may still refuse what it saw for the rest of its second, never longer.
    time.sleep(snapshot.snapshot_seconds() + 0.1)
    assert taken_in_snapshot(event) == seats[5:7]


def test_redis_flushed_the_snapshot_is_read_again(event):
    seats = ids(event)
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[:2])
    redis_connection().flushdb()
    process_cache.forget_all()  # a process that starts now
    assert taken_in_snapshot(event) == seats[:2] == taken_in_database(event)


def test_redis_down_each_process_reads_its_own(event, dead_redis):
    seats = ids(event)
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[:2])
    assert taken_in_snapshot(event) == seats[:2] == taken_in_database(event)
    with pytest.raises(Conflict) as refused:
        hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats[1:3])
    assert refused.value.code == "seats_unavailable" and refused.value.extra["seats"] == [seats[1]]


def test_best_available_goes_on_with_redis_down(event, dead_redis):
    hold = hold_seats(user=UserFactory(), event_id=event.id, quantity=2)
    assert len(hold.seat_lines) == 2
