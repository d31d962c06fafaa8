"""The seat map in two answers: the layout (cached for good under its version) and the
availability (two bitsets over the layout order, at most a second old)."""

import base64
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.common import process_cache
from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat
from apps.inventory.publishing import apply_tier_assignments
from tests.factories import EventFactory, PriceTierFactory, UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def a_second_later():
    """What any process sees once the copies of this second have run out."""
    process_cache.forget_all()
    cache.clear()


def layout(client, event, **query):
    return client.get(f"/api/v1/events/{event.id}/layout", query)


def availability(client, event, **headers):
    return client.get(f"/api/v1/events/{event.id}/availability", **headers)


def statuses(client, event) -> dict[int, str]:
    """{event seat id: status} as a client reads it from the two answers."""
    seats = layout(client, event).json()["seats"]
    bits = availability(client, event).json()
    held, sold = base64.b64decode(bits["held"]), base64.b64decode(bits["sold"])

    def bit(bytes_, n):
        return (bytes_[n // 8] >> (n % 8)) & 1

    return {
        seat[0]: "sold" if bit(sold, n) else "held" if bit(held, n) else "available"
        for n, seat in enumerate(seats)
    }


def test_the_layout_lists_every_seat_front_to_back_with_its_tier(client):
    event = on_sale_event(sections=("A", "B"), rows=2, seats_per_row=3, price="30.00")
    data = layout(client, event).json()
    tier = event.price_tiers.get()
    assert data["tiers"] == {
        str(tier.id): {"name": "Standard", "price": "30.00", "colour": tier.colour}
    }
    assert data["sections"] == ["A", "B"]
    rows = [(s[1], s[2], s[3]) for s in data["seats"]]
    assert rows[:3] == [("A", "1", 1), ("A", "1", 2), ("A", "1", 3)]
    assert rows[3:6] == [("B", "1", 1), ("B", "1", 2), ("B", "1", 3)]  # row 1 before row 2
    assert {s[0] for s in data["seats"]} == set(event.event_seats.values_list("id", flat=True))


def test_the_layout_is_cached_for_good_under_its_version(client):
    event = on_sale_event(rows=1, seats_per_row=3)
    first = layout(client, event)
    assert first["Cache-Control"] == "public, max-age=30"
    version = first.json()["version"]
    pinned = layout(client, event, v=version)
    assert pinned["Cache-Control"] == "public, max-age=31536000, immutable"
    again = client.get(
        f"/api/v1/events/{event.id}/layout", {"v": version}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304


def test_repricing_gives_the_layout_a_new_version(client, django_capture_on_commit_callbacks):
    event = on_sale_event(rows=1, seats_per_row=3)
    before = layout(client, event).json()["version"]
    vip = PriceTierFactory(event=event, name="VIP", price=Decimal("99.00"))
    event.tier_assignments.create(price_tier=vip, section="A", row="1")
    with django_capture_on_commit_callbacks(execute=True):  # the re-pricing commits
        assert apply_tier_assignments(event_id=event.id) == 3
    after = layout(client, event).json()
    assert after["version"] != before
    assert {s[6] for s in after["seats"]} == {vip.id}
    assert availability(client, event).json()["layout"] == after["version"]


def test_availability_shows_held_and_sold_seats(client):
    event = on_sale_event(rows=1, seats_per_row=4)
    ids = list(event.event_seats.order_by("position").values_list("id", flat=True))
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=ids[:1])
    EventSeat.objects.filter(pk=ids[1]).update(status=EventSeat.Status.SOLD)
    a_second_later()
    assert statuses(client, event) == {
        ids[0]: "held",
        ids[1]: "sold",
        ids[2]: "available",
        ids[3]: "available",
    }
    assert availability(client, event).json()["available"] == 2


def test_this_processes_new_hold_shows_at_once(client):
    event = on_sale_event(rows=1, seats_per_row=2)
    ids = list(event.event_seats.order_by("position").values_list("id", flat=True))
    assert set(statuses(client, event).values()) == {"available"}
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=ids[1:])
    assert statuses(client, event)[ids[1]] == "held"


def test_an_expired_hold_counts_as_available(client):
    event = on_sale_event(rows=1, seats_per_row=2)
    hold = hold_seats(user=UserFactory(), event_id=event.id, quantity=1)
    EventSeat.objects.filter(hold=hold).update(held_until=timezone.now() - timedelta(seconds=1))
    a_second_later()
    assert set(statuses(client, event).values()) == {"available"}


def test_a_refreshing_crowd_costs_no_query_and_gets_304s(client, django_assert_num_queries):
    event = on_sale_event(rows=1, seats_per_row=2)
    first = availability(client, event)
    assert first["Cache-Control"] == "public, max-age=1"
    with django_assert_num_queries(0):
        again = availability(client, event, HTTP_IF_NONE_MATCH=first["ETag"])
        layout(client, event)
    assert again.status_code == 304


def test_both_answer_when_redis_is_down(client, dead_redis):
    event = on_sale_event(rows=1, seats_per_row=2)
    assert layout(client, event).status_code == 200
    assert availability(client, event).json()["available"] == 2


def test_a_draft_or_unknown_event_is_a_json_404(client):
    draft = EventFactory()
    for event_id in (draft.id, 999999):
        for what in ("layout", "availability"):
            response = client.get(f"/api/v1/events/{event_id}/{what}")
            assert response.status_code == 404
            assert response.json()["code"] == "event_not_found"
