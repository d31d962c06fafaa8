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

    def test_swapped_dates_are_read_the_right_way_round_with_a_hint(self, client):
        show = factories.on_sale_event(
            title="Winter Show", starts_at=timezone.now() + timedelta(days=10)
        )
        day = timezone.localdate(show.starts_at)
        later, earlier = (
            (day + timedelta(days=2)).isoformat(),
            (day - timedelta(days=2)).isoformat(),
        )
        response = client.get("/", {"date_from": later, "date_to": earlier})
        assert event_titles(response) == ["Winter Show"]
        assert "“From” was after “To”, so we swapped them" in response.content.decode()

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
    def test_shows_details_tiers_and_where_the_seat_map_comes_from(self, client):
        event = factories.on_sale_event(
            title="Symphony No. 9", sections=("A", "B"), rows=2, seats_per_row=3, price="30.00"
        )
        sold = inventory_selectors.event_seat_map(event.id)[0]["id"]
        EventSeat.objects.filter(pk=sold).update(status=EventSeat.Status.SOLD)

        response = client.get(event.get_absolute_url())

        assert response.status_code == 200
        html = response.content.decode()
        assert "<title>Symphony No. 9 —" in html
        assert "Standard" in html and "€30.00" in html
        data = seat_data(response)
        assert data["event"] == event.id
        assert data["maxSeats"] == event.max_seats_per_order
        # The map is drawn from the layout (under its version) and the availability answers.
        layout = client.get(data["layoutUrl"])
        assert layout["Cache-Control"] == "public, max-age=31536000, immutable"
        assert len(layout.json()["seats"]) == 12
        availability = client.get(data["availabilityUrl"]).json()
        assert availability["layout"] == layout.json()["version"]
        assert availability["available"] == 11
        assert '<option value="A"' in html and '<option value="B"' in html

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

    def test_the_map_is_told_which_held_seats_are_the_buyers_own(
        self, client, django_assert_max_num_queries
    ):
        event = factories.on_sale_event(hold_minutes=10)
        buyer, other = factories.UserFactory(), factories.UserFactory()
        hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=2)
        inventory_holds.hold_seats(user=other, event_id=event.id, quantity=1)
        client.force_login(buyer)
        # The page's own queries with a live hold (see below), and one for the hold's seats.
        with django_assert_max_num_queries(11):
            data = seat_data(client.get(event.get_absolute_url()))
        assert sorted(data["mine"]) == sorted(
            EventSeat.objects.filter(hold=hold).values_list("id", flat=True)
        )
        assert 9 * 60 < data["mineSeconds"] <= 10 * 60
        client.force_login(factories.UserFactory())
        data = seat_data(client.get(event.get_absolute_url()))
        assert data["mine"] == [] and data["mineSeconds"] == 0

    @pytest.mark.parametrize("logged_in", [False, True])
    def test_bounded_queries_whatever_the_size_of_the_hall(
        self, client, django_assert_max_num_queries, logged_in
    ):
        small = factories.on_sale_event(rows=2, seats_per_row=5)
        big = factories.on_sale_event(sections=("A", "B", "C"), rows=12, seats_per_row=20)
        assert EventSeat.objects.filter(event=big).count() == 720
        if logged_in:
            client.force_login(factories.UserFactory())
        # event with venue, its price tiers, and the first time in this second the event's
        # facts, seat positions, layout (seats, tiers) and taken seats; plus session, user and
        # the buyer's live hold when logged in
        expected = 10 if logged_in else 7
        for event in (small, big):
            with django_assert_max_num_queries(expected):
                response = client.get(event.get_absolute_url())
            assert response.status_code == 200
            with django_assert_max_num_queries(expected - 5):  # the rest of the second
                client.get(event.get_absolute_url())


def test_cancelled_event_page_says_so(client):
    event = factories.on_sale_event()
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "This event has been cancelled" in html
