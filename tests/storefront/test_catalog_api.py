import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.common import process_cache
from apps.events.models import Event
from apps.inventory.models import EventSeat, Hold
from apps.storefront import selectors as storefront_selectors
from tests.factories import EventFactory, PriceTierFactory, UserFactory, VenueFactory, on_sale_event

pytestmark = pytest.mark.django_db

LIST = "/api/v1/events"


def detail_url(event_id):
    return f"/api/v1/events/{event_id}"


def seats_url(event_id):
    return f"/api/v1/events/{event_id}/seats"


def days(n):
    return timezone.now() + timedelta(days=n)


def small_event(**kwargs):
    kwargs.setdefault("rows", 1)
    kwargs.setdefault("seats_per_row", 4)
    return on_sale_event(**kwargs)


def hold_seats_directly(event, seat_ids, *, expires_at):
    """A hold written straight to the tables (the hold service is tested elsewhere): lets a
    test put seats in any state, including held past their expiry."""
    hold = Hold.objects.create(
        event=event, user=UserFactory(), status=Hold.Status.ACTIVE, expires_at=expires_at
    )
    EventSeat.objects.filter(id__in=seat_ids).update(
        status=EventSeat.Status.HELD, hold=hold, held_until=expires_at
    )
    return hold


def sell(seat_ids):
    EventSeat.objects.filter(id__in=seat_ids).update(status=EventSeat.Status.SOLD)


def results(response):
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def ids_of(response):
    return [item["id"] for item in results(response)]


def test_url_names_match_the_paths():
    assert reverse("api-events-list") == LIST
    assert reverse("api-event-detail", args=[7]) == detail_url(7)
    assert reverse("api-event-seats", args=[7]) == seats_url(7)


# The list ------------------------------------------------------------------------------------


def test_lists_only_events_on_sale_that_have_not_started(api_client):
    listed = small_event(starts_at=days(10))
    EventFactory(starts_at=days(5))  # a draft
    cancelled = small_event(starts_at=days(6))
    Event.objects.filter(pk=cancelled.pk).update(status=Event.Status.CANCELLED)
    started = small_event(starts_at=days(7))
    Event.objects.filter(pk=started.pk).update(starts_at=timezone.now() - timedelta(minutes=1))

    assert ids_of(api_client.get(LIST)) == [listed.id]


def test_list_item_has_venue_prices_and_availability(api_client):
    venue = VenueFactory(name="Blue Note", city="Berlin", time_zone="Europe/Berlin")
    event = small_event(venue=venue, title="Night Jazz", price="30.00", seats_per_row=5)
    PriceTierFactory(event=event, name="VIP", price=Decimal("120.50"))
    seat_ids = list(event.event_seats.order_by("id").values_list("id", flat=True))
    sell(seat_ids[:1])
    hold_seats_directly(event, seat_ids[1:3], expires_at=days(1))

    [item] = results(api_client.get(LIST))
    assert item["id"] == event.id
    assert item["title"] == "Night Jazz"
    assert item["slug"] == event.slug
    assert item["description"] == event.description
    assert item["venue"] == {
        "id": venue.id,
        "name": "Blue Note",
        "city": "Berlin",
        "time_zone": "Europe/Berlin",
    }
    assert item["currency"] == "EUR"
    assert (item["min_price"], item["max_price"]) == ("30.00", "120.50")
    assert item["starts_at"] and item["sales_start"]
    assert item["sales_end"] is None
    assert (item["seats_available"], item["seats_held"], item["seats_sold"]) == (2, 2, 1)
    assert item["sold_out"] is False


def test_sold_out_only_when_every_seat_is_sold(api_client):
    event = small_event()
    seat_ids = list(event.event_seats.values_list("id", flat=True))
    sell(seat_ids[1:])
    hold_seats_directly(event, seat_ids[:1], expires_at=days(1))
    [item] = results(api_client.get(LIST))
    assert (item["seats_available"], item["sold_out"]) == (0, False), "a held seat may return"

    EventSeat.objects.filter(id=seat_ids[0]).update(
        status=EventSeat.Status.SOLD, hold=None, held_until=None
    )
    [item] = results(api_client.get(LIST))
    assert (item["seats_available"], item["sold_out"]) == (0, True)


def test_an_expired_hold_counts_as_available(api_client):
    event = small_event()
    seat_ids = list(event.event_seats.values_list("id", flat=True))
    hold_seats_directly(event, seat_ids, expires_at=timezone.now() - timedelta(seconds=1))
    [item] = results(api_client.get(LIST))
    assert (item["seats_available"], item["seats_held"]) == (4, 0)


def test_soonest_first_and_paginated(api_client):
    late = small_event(starts_at=days(20))
    early = small_event(starts_at=days(2))
    middle = small_event(starts_at=days(9))
    first = api_client.get(LIST, {"page_size": 2}).json()
    assert first["count"] == 3
    assert [e["id"] for e in first["results"]] == [early.id, middle.id]
    assert first["next"]
    second = api_client.get(LIST, {"page_size": 2, "page": 2}).json()
    assert [e["id"] for e in second["results"]] == [late.id]


def test_a_page_past_the_end_is_a_404_in_the_error_shape(api_client):
    small_event()
    response = api_client.get(LIST, {"page": 9})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_city_filter_is_exact_and_case_insensitive(api_client):
    berlin = small_event(venue=VenueFactory(city="Berlin"))
    small_event(venue=VenueFactory(city="Berlingen"))
    small_event(venue=VenueFactory(city="Paris"))
    assert ids_of(api_client.get(LIST, {"city": "bERLIN"})) == [berlin.id]
    assert ids_of(api_client.get(LIST, {"city": "Rome"})) == []


def test_date_filters_are_inclusive_days(api_client):
    today = timezone.localdate()
    at = {
        n: timezone.make_aware(
            timezone.datetime.combine(today + timedelta(days=n), timezone.datetime.min.time())
        )
        for n in (3, 4, 5)
    }
    morning = small_event(starts_at=at[4] + timedelta(hours=1))
    late_night = small_event(starts_at=at[4] + timedelta(hours=23, minutes=59))
    before = small_event(starts_at=at[3] + timedelta(hours=20))
    after = small_event(starts_at=at[5] + timedelta(minutes=1))
    day4 = (today + timedelta(days=4)).isoformat()

    assert ids_of(api_client.get(LIST, {"date_from": day4, "date_to": day4})) == [
        morning.id,
        late_night.id,
    ]
    assert ids_of(api_client.get(LIST, {"date_from": day4})) == [
        morning.id,
        late_night.id,
        after.id,
    ]
    assert ids_of(api_client.get(LIST, {"date_to": day4})) == [
        before.id,
        morning.id,
        late_night.id,
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_to": "tomorrow"}, "date_to"),
    ],
)
def test_bad_dates_are_a_400_naming_the_field(api_client, params, field):
    response = api_client.get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == [field]
    assert body["detail"].startswith(f"{field}:")


def test_search_matches_title_description_venue_and_city(api_client):
    title = small_event(title="Jazz at Midnight", description="Saxophones.")
    description = small_event(title="Late Show", description="Smooth jazz and soul.")
    venue = small_event(title="Trio", venue=VenueFactory(name="Jazz Cellar", city="Rome"))
    rock = small_event(title="Rock Night", description="Guitars.", venue=VenueFactory(city="Oslo"))

    found = ids_of(api_client.get(LIST, {"q": "jazz"}))
    assert set(found) == {title.id, description.id, venue.id}
    assert found[0] == title.id, "a title match ranks first"
    assert ids_of(api_client.get(LIST, {"q": "oslo"})) == [rock.id]
    assert ids_of(api_client.get(LIST, {"q": "opera"})) == []


def test_search_stems_words_and_understands_web_syntax(api_client):
    quartet = small_event(title="String Quartets", description="Four strings each.")
    rock = small_event(title="Rock Concert", description="Loud guitars.")
    small_event(title="Rock Quartet", description="Strings and guitars.")

    assert quartet.id in ids_of(api_client.get(LIST, {"q": "quartet"}))
    found = ids_of(api_client.get(LIST, {"q": "rock -quartet"}))
    assert found == [rock.id]
    found = ids_of(api_client.get(LIST, {"q": '"loud guitars"'}))
    assert found == [rock.id]


def test_without_postgres_search_falls_back_to_containing_every_word(api_client, settings):
    settings.USING_POSTGRES = False
    both = small_event(title="Jazz Brunch", venue=VenueFactory(city="Berlin"))
    small_event(title="Jazz Brunch", venue=VenueFactory(city="Paris"))
    small_event(title="Berlin Rock", description="No brunch.")
    assert ids_of(api_client.get(LIST, {"q": "JAZZ berl"})) == [both.id]


def test_search_combines_with_filters(api_client):
    berlin = small_event(title="Jazz Brunch", venue=VenueFactory(city="Berlin"))
    small_event(title="Jazz Brunch Paris", venue=VenueFactory(city="Paris"))
    assert ids_of(api_client.get(LIST, {"q": "jazz", "city": "berlin"})) == [berlin.id]


def test_a_blank_query_lists_everything(api_client):
    events = [small_event(starts_at=days(n)) for n in (1, 2)]
    assert ids_of(api_client.get(LIST, {"q": "  "})) == [e.id for e in events]


@pytest.mark.parametrize("params", [{}, {"q": "concert", "city": "berlin"}])
def test_the_list_runs_a_fixed_number_of_queries(api_client, params):
    """count + page (venue joined, prices as subqueries) + seat counts for the whole page."""

    def queries_for(n_events):
        Event.objects.update(status=Event.Status.DRAFT)  # out of the list
        made = [
            small_event(title=f"Concert {i}", seats_per_row=2, starts_at=days(1 + i))
            for i in range(n_events)
        ]
        for event in made:
            PriceTierFactory(event=event, name="Front", price=Decimal("99.00"))
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(LIST, {**params, "page_size": 100})
        assert len(results(response)) == n_events
        return len(queries)

    assert queries_for(3) == queries_for(30) == 3


# The detail ----------------------------------------------------------------------------------


def test_detail_has_tiers_rules_and_counts(api_client):
    event = small_event(price="40.00", max_seats_per_order=4, hold_minutes=7)
    vip = PriceTierFactory(event=event, name="VIP", price=Decimal("99.90"), colour="#ff0000")
    standard = event.price_tiers.get(name="Standard")
    sell(list(event.event_seats.values_list("id", flat=True)[:1]))

    response = api_client.get(detail_url(event.id))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == event.id
    assert body["status"] == "on_sale"
    assert (body["max_seats_per_order"], body["hold_minutes"]) == (4, 7)
    assert body["price_tiers"] == [
        {"id": vip.id, "name": "VIP", "price": "99.90", "colour": "#ff0000"},
        {"id": standard.id, "name": "Standard", "price": "40.00", "colour": standard.colour},
    ]
    assert (body["seats_available"], body["seats_sold"], body["sold_out"]) == (3, 1, False)
    assert (body["min_price"], body["max_price"]) == ("40.00", "99.90")
    assert body["venue"]["city"] == event.venue.city


def test_detail_runs_three_queries(api_client, django_assert_num_queries):
    event = small_event()
    with django_assert_num_queries(3):
        assert api_client.get(detail_url(event.id)).status_code == 200


def test_drafts_and_unknown_events_are_404_in_the_error_shape(api_client):
    draft = EventFactory()
    for url in (detail_url(draft.id), detail_url(999999), seats_url(draft.id), seats_url(999999)):
        response = api_client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"code": "event_not_found", "detail": "There is no such event."}


def test_a_cancelled_event_can_still_be_looked_up_but_is_not_listed(api_client):
    event = small_event()
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    assert api_client.get(detail_url(event.id)).json()["status"] == "cancelled"
    assert ids_of(api_client.get(LIST)) == []


def test_the_catalog_ignores_a_stale_token(api_client):
    event = small_event()
    api_client.credentials(HTTP_AUTHORIZATION="Bearer expired-or-garbage")
    assert api_client.get(LIST).status_code == 200
    assert api_client.get(detail_url(event.id)).status_code == 200
    assert api_client.get(seats_url(event.id)).status_code == 200


# The seat map --------------------------------------------------------------------------------


def test_seat_map_lists_every_seat_with_its_status(api_client):
    event = small_event(sections=("A", "B"), rows=2, seats_per_row=3, price="25.00")
    seats = list(event.event_seats.select_related("seat").order_by("id"))
    sold, held, expired = seats[0], seats[1], seats[2]
    sell([sold.id])
    hold_seats_directly(event, [held.id], expires_at=days(1))
    hold_seats_directly(event, [expired.id], expires_at=timezone.now() - timedelta(minutes=1))
    assert EventSeat.objects.get(id=expired.id).status == EventSeat.Status.HELD

    response = api_client.get(seats_url(event.id))
    assert response.status_code == 200
    body = response.json()
    assert body["event"] == event.id
    assert len(body["seats"]) == 12
    by_id = {s["id"]: s for s in body["seats"]}
    assert set(by_id) == {s.id for s in seats}
    assert by_id[sold.id]["status"] == "sold"
    assert by_id[held.id]["status"] == "held"
    assert by_id[expired.id]["status"] == "available", "an expired hold frees its seats"
    assert sum(s["status"] == "available" for s in body["seats"]) == 10

    one = by_id[seats[4].id]
    assert one == {
        "id": seats[4].id,
        "section": seats[4].seat.section,
        "row": seats[4].seat.row,
        "number": seats[4].seat.number,
        "x": seats[4].seat.x,
        "y": seats[4].seat.y,
        "price": "25.00",
        "price_tier": seats[4].price_tier_id,
        "status": "available",
    }


def test_seat_map_queries_do_not_grow_with_the_seats(api_client):
    small = small_event(rows=2, seats_per_row=5)
    big = small_event(sections=("A", "B"), rows=10, seats_per_row=10)
    counts = []
    for event, n_seats in ((small, 10), (big, 200)):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(seats_url(event.id))
        assert len(response.json()["seats"]) == n_seats
        counts.append(len(queries))
    assert counts == [2, 2]


def test_a_refreshing_crowd_is_served_from_the_cache_with_an_etag(api_client):
    event = small_event(rows=2, seats_per_row=5)
    first = api_client.get(seats_url(event.id))
    etag = first["ETag"]
    assert etag and first["Cache-Control"] == "public, max-age=1"
    with CaptureQueriesContext(connection) as queries:
        again = api_client.get(seats_url(event.id))
        unchanged = api_client.get(seats_url(event.id), HTTP_IF_NONE_MATCH=etag)
    assert len(queries) == 0, "both answered from the cached document"
    assert again.content == first.content
    assert unchanged.status_code == 304 and unchanged.content == b""


def test_the_seat_map_changes_within_a_second(api_client, monkeypatch):
    event = small_event(rows=1, seats_per_row=3)
    before = api_client.get(seats_url(event.id))
    sell([event.event_seats.order_by("id").first().id])
    assert api_client.get(seats_url(event.id)).content == before.content, "still this second's"
    # A second later, for this process's copy and the shared cache alike.
    later, monotonic = time.time() + 1.01, time.monotonic() + 1.01
    monkeypatch.setattr(storefront_selectors, "_clock", lambda: later)
    monkeypatch.setattr(process_cache, "monotonic", lambda: monotonic)
    after = api_client.get(seats_url(event.id), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert [s["status"] for s in after.json()["seats"]].count("sold") == 1


def test_a_non_numeric_event_id_is_a_json_404(api_client):
    response = api_client.get("/api/v1/events/abc/seats")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# OpenAPI -------------------------------------------------------------------------------------


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/events/{id}/seats", "/api/v1/auth/register", "/api/v1/auth/logout"):
        assert path in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_reversed_dates_are_a_422_naming_date_to(api_client):
    response = api_client.get(LIST, {"date_from": "2030-05-02", "date_to": "2030-05-01"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_date_range" and list(body["fields"]) == ["date_to"]


def test_empty_search_fields_are_as_if_absent(api_client):
    """An HTML form sends empty fields; the schema says so (allowEmptyValue)."""
    everything = ids_of(api_client.get(LIST))
    assert ids_of(api_client.get(LIST, {"q": "", "city": "", "date_from": "", "date_to": ""})) == (
        everything
    )
