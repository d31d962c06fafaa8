from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.bookings.services import cancel_event
from apps.common.errors import Conflict, Gone, InvalidRequest, NotFound, RuleBroken
from apps.events.models import Event
from apps.inventory.holds import expire_holds, extend_hold, hold_seats, release_hold
from apps.inventory.holds.best_available import candidate_blocks
from apps.inventory.models import EventSeat, Hold
from apps.inventory.selectors import event_seat_map
from apps.inventory.snapshot import forget as forget_taken_seats
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return on_sale_event(sections=("A", "B"), rows=4, seats_per_row=10)


def seat_ids(event, n, offset=0):
    return list(event.event_seats.order_by("id").values_list("id", flat=True)[offset : offset + n])


def expire_now(hold):
    past = timezone.now() - timedelta(seconds=1)
    Hold.objects.filter(pk=hold.pk).update(expires_at=past)
    EventSeat.objects.filter(hold=hold).update(held_until=past)
    forget_taken_seats()  # this process's view of taken seats is a second old by then too


def test_hold_moves_the_seats_to_held_until_the_hold_expires(event):
    buyer = UserFactory()
    ids = seat_ids(event, 3)
    hold = hold_seats(user=buyer, event_id=event.id, event_seat_ids=ids)
    seats = EventSeat.objects.filter(id__in=ids)
    assert {s.status for s in seats} == {"held"}
    assert {s.hold_id for s in seats} == {hold.id}
    assert {s.held_until for s in seats} == {hold.expires_at}
    minutes = (hold.expires_at - hold.created_at).total_seconds() / 60
    assert 9.9 < minutes < 10.1


def test_taken_seats_are_named_in_the_conflict(event):
    ids = seat_ids(event, 3)
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=ids[:2])
    with pytest.raises(Conflict) as err:
        hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=ids)
    assert err.value.code == "seats_unavailable"
    assert err.value.extra["seats"] == ids[:2]
    assert EventSeat.objects.get(id=ids[2]).status == "available", "nothing half-held"


def test_expired_hold_frees_its_seats_at_once_without_the_sweeper(event):
    ids = seat_ids(event, 2)
    first = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=ids)
    expire_now(first)
    public = {s["id"]: s["public_status"] for s in event_seat_map(event.id)}
    assert public[ids[0]] == "available"
    second = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=ids)
    assert set(EventSeat.objects.filter(id__in=ids).values_list("hold_id", flat=True)) == {
        second.id
    }


def test_one_active_hold_per_buyer_and_event(event):
    buyer = UserFactory()
    first = hold_seats(user=buyer, event_id=event.id, event_seat_ids=seat_ids(event, 1))
    with pytest.raises(Conflict) as err:
        hold_seats(user=buyer, event_id=event.id, event_seat_ids=seat_ids(event, 1, 5))
    assert err.value.code == "active_hold_exists"
    assert err.value.extra["hold"] == str(first.id)
    assert EventSeat.objects.filter(status="held").count() == 1


def test_a_buyer_whose_hold_expired_can_hold_again(event):
    buyer = UserFactory()
    first = hold_seats(user=buyer, event_id=event.id, event_seat_ids=seat_ids(event, 2))
    expire_now(first)
    second = hold_seats(user=buyer, event_id=event.id, event_seat_ids=seat_ids(event, 2, 4))
    first.refresh_from_db()
    assert first.status == "expired"
    assert EventSeat.objects.filter(hold=second).count() == 2
    assert EventSeat.objects.filter(status="held").count() == 2


def test_a_buyer_whose_hold_expired_can_hold_the_same_seats_again(event):
    buyer = UserFactory()
    ids = seat_ids(event, 2)
    first = hold_seats(user=buyer, event_id=event.id, event_seat_ids=ids)
    expire_now(first)  # run out, not yet swept: still marked active
    second = hold_seats(user=buyer, event_id=event.id, event_seat_ids=ids)
    first.refresh_from_db()
    assert first.status == "expired"
    assert set(EventSeat.objects.filter(id__in=ids).values_list("hold_id", flat=True)) == {
        second.id
    }


def test_a_buyer_whose_hold_expired_can_ask_for_best_available_again(event):
    buyer = UserFactory()
    first = hold_seats(user=buyer, event_id=event.id, quantity=2)
    expire_now(first)  # still marked active: the one-hold index refuses the new hold at first
    second = hold_seats(user=buyer, event_id=event.id, quantity=2)
    first.refresh_from_db()
    assert first.status == "expired"
    assert EventSeat.objects.filter(hold=second).count() == 2
    assert not EventSeat.objects.filter(hold=first).exists()


def test_a_buyer_with_a_live_hold_asking_for_taken_seats_is_sent_to_their_hold(event):
    buyer = UserFactory()
    mine = hold_seats(user=buyer, event_id=event.id, event_seat_ids=seat_ids(event, 1))
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seat_ids(event, 2, 3))
    for taken in (seat_ids(event, 1), seat_ids(event, 1, 3)):  # their own seat, another's
        with pytest.raises(Conflict) as err:
            hold_seats(user=buyer, event_id=event.id, event_seat_ids=taken)
        assert err.value.code == "active_hold_exists"
        assert err.value.extra["hold"] == str(mine.id)


def test_cancelling_an_event_stops_holds_at_once(event):
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seat_ids(event, 1))
    cancel_event(event_id=event.id)  # just after a hold: this process had the event in hand
    with pytest.raises(RuleBroken) as err:
        hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seat_ids(event, 1, 1))
    assert err.value.code == "event_not_on_sale"


def test_seats_gone_a_moment_ago_are_refused_without_a_lock_or_a_transaction(event):
    ids = seat_ids(event, 4)
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=ids[:2])
    late = UserFactory()
    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as err:
        hold_seats(user=late, event_id=event.id, event_seat_ids=ids[1:3])
    assert err.value.code == "seats_unavailable" and err.value.extra["seats"] == [ids[1]]
    assert len(queries) == 0
    assert EventSeat.objects.get(pk=ids[2]).status == "available"


def test_best_available_after_a_sell_out_is_refused_without_a_transaction(event):
    everything = list(event.event_seats.values_list("id", flat=True))
    EventSeat.objects.filter(id__in=everything[1:]).update(status=EventSeat.Status.SOLD)
    hold_seats(user=UserFactory(), event_id=event.id, quantity=1)  # the last seat
    late = UserFactory()
    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as err:
        hold_seats(user=late, event_id=event.id, quantity=1)
    assert err.value.code == "no_adjacent_seats"
    assert len(queries) == 0


def test_a_seat_released_a_moment_ago_can_be_held_at_once(event):
    ids = seat_ids(event, 2)
    first_buyer, second_buyer = UserFactory(), UserFactory()
    first = hold_seats(user=first_buyer, event_id=event.id, event_seat_ids=ids)
    with pytest.raises(Conflict):
        hold_seats(user=second_buyer, event_id=event.id, event_seat_ids=ids)
    release_hold(user=first_buyer, hold_id=first.id)
    second = hold_seats(user=second_buyer, event_id=event.id, event_seat_ids=ids)
    assert EventSeat.objects.filter(hold=second).count() == 2


@pytest.mark.parametrize(
    "kwargs, error, code",
    [
        ({"event_seat_ids": []}, InvalidRequest, "no_seats"),
        ({"quantity": 0}, InvalidRequest, "no_seats"),
        ({"quantity": 9}, RuleBroken, "too_many_seats"),
        ({"event_seat_ids": [1, 1]}, InvalidRequest, "duplicate_seats"),
        ({"event_seat_ids": ["x"]}, InvalidRequest, "validation_error"),
        ({"event_seat_ids": [10**9]}, InvalidRequest, "invalid_seats"),
        ({}, InvalidRequest, "seats_or_quantity"),
        ({"event_seat_ids": [1], "quantity": 1}, InvalidRequest, "seats_or_quantity"),
    ],
)
def test_bad_requests_are_refused_and_leave_nothing_behind(event, kwargs, error, code):
    with pytest.raises(error) as err:
        hold_seats(user=UserFactory(), event_id=event.id, **kwargs)
    assert err.value.code == code
    assert Hold.objects.count() == 0
    assert not EventSeat.objects.exclude(status="available").exists()


def test_more_seats_than_the_event_allows_is_refused(event):
    Event.objects.filter(pk=event.pk).update(max_seats_per_order=2)
    with pytest.raises(RuleBroken) as err:
        hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seat_ids(event, 3))
    assert err.value.code == "too_many_seats"


def test_seats_of_another_event_are_refused(event):
    other = on_sale_event(rows=1, seats_per_row=3)
    foreign = list(other.event_seats.values_list("id", flat=True)[:1])
    with pytest.raises(InvalidRequest) as err:
        hold_seats(
            user=UserFactory(), event_id=event.id, event_seat_ids=seat_ids(event, 1) + foreign
        )
    assert err.value.code == "invalid_seats"
    assert err.value.extra["seats"] == foreign
    assert Hold.objects.count() == 0


def test_events_not_on_sale_are_refused():
    buyer = UserFactory()
    with pytest.raises(NotFound):
        hold_seats(user=buyer, event_id=999999, quantity=1)
    event = on_sale_event(rows=1, seats_per_row=3)
    for change in (
        {"status": Event.Status.CANCELLED},
        {"sales_start": timezone.now() + timedelta(days=1)},
        {"sales_end": timezone.now() - timedelta(minutes=1)},
    ):
        Event.objects.filter(pk=event.pk).update(
            status=Event.Status.ON_SALE, sales_start=None, sales_end=None
        )
        Event.objects.filter(pk=event.pk).update(**change)
        with pytest.raises(RuleBroken) as err:
            hold_seats(user=buyer, event_id=event.id, quantity=1)
        assert err.value.code == "event_not_on_sale"


def test_release_returns_the_seats(event):
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=3)
    with pytest.raises(NotFound):
        release_hold(user=UserFactory(), hold_id=hold.id)
    released = release_hold(user=buyer, hold_id=hold.id)
    assert released.status == "released"
    assert not EventSeat.objects.exclude(status="available").exists()
    with pytest.raises(Conflict):
        release_hold(user=buyer, hold_id=hold.id)


def test_extend_is_bounded(event, settings):
    settings.TICKETING = {**settings.TICKETING, "MAX_HOLD_EXTENSIONS": 2}
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    first_expiry = hold.expires_at
    extended = extend_hold(user=buyer, hold_id=hold.id)
    assert extended.expires_at == first_expiry + timedelta(minutes=10)
    assert set(EventSeat.objects.filter(hold=hold).values_list("held_until", flat=True)) == {
        extended.expires_at
    }
    extend_hold(user=buyer, hold_id=hold.id)
    with pytest.raises(RuleBroken) as err:
        extend_hold(user=buyer, hold_id=hold.id)
    assert err.value.code == "extension_limit"


def test_an_expired_hold_cannot_be_extended(event):
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    expire_now(hold)
    with pytest.raises(Gone):
        extend_hold(user=buyer, hold_id=hold.id)


def test_best_available_prefers_front_rows_and_the_centre(event):
    hold = hold_seats(user=UserFactory(), event_id=event.id, quantity=2)
    seats = set(
        EventSeat.objects.filter(hold=hold).values_list(
            "seat__section", "seat__row", "seat__number"
        )
    )
    # Sections A and B sit side by side, so the venue's centre is the gap between them: the
    # best pair is on row 1 at the inner edge of either section.
    assert seats in ({("A", "1", 9), ("A", "1", 10)}, {("B", "1", 1), ("B", "1", 2)})


def test_best_available_in_a_section_and_when_nothing_fits(event):
    hold = hold_seats(user=UserFactory(), event_id=event.id, quantity=4, section="B")
    assert set(EventSeat.objects.filter(hold=hold).values_list("seat__section", flat=True)) == {"B"}
    with pytest.raises(Conflict) as err:
        hold_seats(user=UserFactory(), event_id=event.id, quantity=4, section="Z")
    assert err.value.code == "no_adjacent_seats"


def test_candidate_blocks_are_adjacent_and_best_first():
    seats = [
        (1, "A", "1", 1, 0.0, 0.0),
        (2, "A", "1", 2, 10.0, 0.0),
        (4, "A", "1", 4, 30.0, 0.0),
        (5, "A", "2", 1, 0.0, 10.0),
        (6, "A", "2", 2, 10.0, 10.0),
        (7, "A", "2", 3, 20.0, 10.0),
    ]
    blocks = candidate_blocks(seats, 2, centre_x=15.0)
    assert blocks[0] == [1, 2]  # the front row wins even off centre
    assert [2, 4] not in blocks  # seat 3 is missing: not adjacent
    assert blocks[1] in ([5, 6], [6, 7])
    assert candidate_blocks(seats, 3, centre_x=15.0) == [[5, 6, 7]]


def test_sweeper_releases_expired_holds_in_one_statement_per_batch(
    event, django_assert_num_queries
):
    holds = [hold_seats(user=UserFactory(), event_id=event.id, quantity=2) for _ in range(5)]
    live = hold_seats(user=UserFactory(), event_id=event.id, quantity=2)
    for hold in holds:
        expire_now(hold)
    with django_assert_num_queries(1):
        assert expire_holds(batch_size=100) == 5
    assert EventSeat.objects.filter(status="held").count() == 2
    assert EventSeat.objects.filter(hold=live).count() == 2
    assert set(Hold.objects.exclude(pk=live.pk).values_list("status", flat=True)) == {"expired"}
    with django_assert_num_queries(1):
        assert expire_holds(batch_size=100) == 0, "idempotent"


def test_sweeper_works_in_batches(event, django_assert_num_queries):
    holds = [hold_seats(user=UserFactory(), event_id=event.id, quantity=1) for _ in range(5)]
    for hold in holds:
        expire_now(hold)
    with django_assert_num_queries(3):  # 2 + 2 + 1
        assert expire_holds(batch_size=2) == 5


def test_expire_holds_command_prints_how_many_it_released(event, capsys):
    hold = hold_seats(user=UserFactory(), event_id=event.id, quantity=1)
    expire_now(hold)
    call_command("expire_holds")
    assert "Released 1 expired hold." in capsys.readouterr().out
    call_command("expire_holds")
    assert "Released 0 expired holds." in capsys.readouterr().out
