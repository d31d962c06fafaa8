"""The event list and the event page: what a buyer sees, and a fixed number of queries."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.events.models import Event
from apps.inventory import holds as inventory_holds
from apps.inventory import selectors as inventory_selectors
from apps.inventory.models import EventSeat
from tests import factories

pytestmark = pytest.mark.django_db


def seat_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="seat-data" type="application/json">') + len(
        '<script id="seat-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def event_titles(response) -> list[str]:
    return [event.title for event, _ in response.context["cards"]]


class TestEventList:
    def test_lists_upcoming_events_on_sale_soonest_first(self, client):
        later = factories.on_sale_event(
            title="Later Show", starts_at=timezone.now() + timedelta(days=40)
        )
        sooner = factories.on_sale_event(
            title="Sooner Show", starts_at=timezone.now() + timedelta(days=5)
        )
        factories.EventFactory(title="Draft Show")  # never published

        response = client.get(reverse("events:list"))

        assert response.status_code == 200
        assert event_titles(response) == ["Sooner Show", "Later Show"]
        html = response.content.decode()
        assert "Draft Show" not in html
        assert sooner.get_absolute_url() in html and later.get_absolute_url() in html
        assert "<title>Upcoming events · Ticketing</title>" in html

    def test_search_city_and_date_filters(self, client):
        berlin = factories.on_sale_event(
            title="Jazz in the Park", starts_at=timezone.now() + timedelta(days=10)
        )
        paris = factories.on_sale_event(
            title="Jazz Quartet",
            starts_at=timezone.now() + timedelta(days=20),
            venue=factories.VenueFactory(city="Paris"),
        )
        factories.on_sale_event(title="Opera Gala", starts_at=timezone.now() + timedelta(days=30))

        assert event_titles(client.get("/", {"q": "jazz"})) == ["Jazz in the Park", "Jazz Quartet"]
        assert event_titles(client.get("/", {"q": "jazz", "city": "paris"})) == ["Jazz Quartet"]
        day = timezone.localdate(paris.starts_at).isoformat()
        assert event_titles(client.get("/", {"date_from": day, "date_to": day})) == ["Jazz Quartet"]
        until = timezone.localdate(berlin.starts_at).isoformat()
        assert event_titles(client.get("/", {"date_to": until})) == ["Jazz in the Park"]

        response = client.get("/", {"q": "polka"})
        assert event_titles(response) == []
        assert "No events match your search" in response.content.decode()

    def test_a_date_that_is_not_a_date_is_ignored_with_a_notice(self, client):
        factories.on_sale_event(title="Any Show")
        response = client.get("/", {"date_from": "next tuesday"})
        assert response.status_code == 200
        assert event_titles(response) == ["Any Show"]
        assert "A date was not understood" in response.content.decode()

    def test_sold_out_events_are_marked(self, client):
        sold_out = factories.on_sale_event(title="Tiny Gig", rows=1, seats_per_row=2)
        factories.on_sale_event(title="Big Gig")
        EventSeat.objects.filter(event=sold_out).update(status=EventSeat.Status.SOLD)

        html = client.get("/").content.decode()

        card = html[html.index("Tiny Gig") :]
        assert card.index('data-testid="sold-out"') < card.index("Big Gig")
        assert html.count('data-testid="sold-out"') == 1

    def test_pagination_keeps_the_filters(self, client):
        for n in range(14):
            factories.on_sale_event(
                title=f"Rock Night {n:02}",
                rows=1,
                seats_per_row=2,
                starts_at=timezone.now() + timedelta(days=n + 1),
            )
        first = client.get("/", {"q": "rock"})
        assert first.context["page"].paginator.num_pages == 2
        assert len(event_titles(first)) == 12
        assert 'href="?q=rock&amp;page=2"' in first.content.decode()
        second = client.get("/", {"q": "rock", "page": 2})
        assert event_titles(second) == ["Rock Night 12", "Rock Night 13"]
        # A page number past the end shows the last page rather than an error.
        assert event_titles(client.get("/", {"q": "rock", "page": 99})) == event_titles(second)

    def test_fixed_number_of_queries(self, client, django_assert_num_queries):
        for _ in range(3):
            factories.on_sale_event(rows=2, seats_per_row=3)
        # count, page of events (venue joined, prices annotated), seat counts for the page
        with django_assert_num_queries(3):
            assert client.get("/").status_code == 200
        for _ in range(12):
            factories.on_sale_event(rows=2, seats_per_row=3)
        with django_assert_num_queries(3):
            assert client.get("/").status_code == 200


class TestEventPage:
    def test_shows_details_tiers_and_the_seat_map_data(self, client):
        event = factories.on_sale_event(
            title="Symphony No. 9", sections=("A", "B"), rows=2, seats_per_row=3, price="30.00"
        )
        sold = inventory_selectors.event_seat_map(event.id)[0]["id"]
        EventSeat.objects.filter(pk=sold).update(status=EventSeat.Status.SOLD)

        response = client.get(event.get_absolute_url())

        assert response.status_code == 200
        html = response.content.decode()
        assert "<title>Symphony No. 9 —" in html
        assert "Standard" in html and "30.00 EUR" in html
        data = seat_data(response)
        assert data["event"] == event.id
        assert data["maxSeats"] == event.max_seats_per_order
        assert len(data["seats"]) == 12
        statuses = {row[0]: row[8] for row in data["seats"]}
        assert statuses[sold] == "sold"
        assert list(statuses.values()).count("available") == 11
        tier = event.price_tiers.get()
        assert data["tiers"] == {str(tier.id): {"name": "Standard", "colour": tier.colour}}
        first = data["seats"][0]
        assert first[1:7] == ["A", "1", 1, 0.0, 0.0, "30.00"]

    def test_a_draft_or_unknown_event_is_a_404_in_the_shop_layout(self, client):
        draft = factories.EventFactory()
        for url in (draft.get_absolute_url(), "/events/no-such-event/"):
            response = client.get(url)
            assert response.status_code == 404
            assert "We can't find that page" in response.content.decode()

    def test_seats_picked_before_logging_in_come_back_selected(self, client):
        event = factories.on_sale_event()
        response = client.get(event.get_absolute_url(), {"seats": "5,6,x,7"})
        assert seat_data(response)["preselected"] == [5, 6, 7]

    def test_the_buyers_live_hold_is_pointed_out(self, client):
        event = factories.on_sale_event()
        buyer = factories.UserFactory()
        hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=2)
        client.force_login(buyer)
        html = client.get(event.get_absolute_url()).content.decode()
        assert reverse("bookings:checkout", args=[hold.id]) in html

    @pytest.mark.parametrize("logged_in", [False, True])
    def test_bounded_queries_with_hundreds_of_seats(
        self, client, django_assert_num_queries, logged_in
    ):
        small = factories.on_sale_event(rows=2, seats_per_row=5)
        big = factories.on_sale_event(sections=("A", "B", "C"), rows=12, seats_per_row=20)
        assert EventSeat.objects.filter(event=big).count() == 720
        if logged_in:
            client.force_login(factories.UserFactory())
        # event with venue, its price tiers, the seat map; plus session, user and the buyer's
        # live hold when logged in
        expected = 6 if logged_in else 3
        for event in (small, big):
            with django_assert_num_queries(expected):
                response = client.get(event.get_absolute_url())
            assert response.status_code == 200
        assert len(seat_data(response)["seats"]) == 720


class TestAvailabilityFeed:
    def test_lists_held_and_sold_seats(self, client):
        event = factories.on_sale_event(rows=1, seats_per_row=4)
        ids = [s["id"] for s in inventory_selectors.event_seat_map(event.id)]
        inventory_holds.hold_seats(
            user=factories.UserFactory(), event_id=event.id, event_seat_ids=ids[:1]
        )
        EventSeat.objects.filter(pk=ids[1]).update(status=EventSeat.Status.SOLD)

        data = client.get(reverse("events:availability", args=[event.id])).json()

        assert data["event"] == event.id
        assert data["held"] == [ids[0]]
        assert data["sold"] == [ids[1]]

    def test_an_expired_hold_counts_as_available_at_once(self, client):
        event = factories.on_sale_event(rows=1, seats_per_row=2)
        hold = inventory_holds.hold_seats(
            user=factories.UserFactory(), event_id=event.id, quantity=1
        )
        past = timezone.now() - timedelta(seconds=1)
        EventSeat.objects.filter(hold=hold).update(held_until=past)
        data = client.get(reverse("events:availability", args=[event.id])).json()
        assert data["held"] == [] and data["sold"] == []

    def test_is_cached_briefly_for_the_rush(self, client, django_assert_num_queries):
        event = factories.on_sale_event(rows=1, seats_per_row=2)
        url = reverse("events:availability", args=[event.id])
        with django_assert_num_queries(2):  # the event exists, its seat map
            client.get(url)
        with django_assert_num_queries(0):
            response = client.get(url)
        assert response["Cache-Control"] == "max-age=2"

    def test_still_answers_when_redis_is_down(self, client, dead_redis):
        event = factories.on_sale_event(rows=1, seats_per_row=2)
        response = client.get(reverse("events:availability", args=[event.id]))
        assert response.status_code == 200
        assert response.json()["held"] == []

    def test_unknown_or_draft_event_is_404(self, client):
        draft = factories.EventFactory()
        assert client.get(reverse("events:availability", args=[draft.id])).status_code == 404
        assert client.get(reverse("events:availability", args=[999999])).status_code == 404


def test_cancelled_event_page_says_so(client):
    event = factories.on_sale_event()
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "This event has been cancelled" in html
