"""GET /api/v1/monitoring/lock-contention[/<resource>]: staff only, and the shapes operators'
dashboards rely on."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.backoffice.monitoring import busy_sale
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db

LIST = "/api/v1/monitoring/lock-contention"
FIGURES = {
    "attempts",
    "acquired",
    "failed",
    "degraded",
    "contention_rate",
    "avg_wait_ms",
    "p95_wait_ms",
    "avg_held_ms",
}


@pytest.fixture
def staff_api(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


@pytest.mark.parametrize("url", [LIST, f"{LIST}/event:1", f"{LIST}/seat:1"])
def test_anonymous_callers_get_401_and_buyers_403(url, api_client, buyer_client):
    response = api_client.get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    response = buyer_client.get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_overview_lists_events_and_the_hottest_seat_locks(staff_api):
    sale = busy_sale()
    on_sale_event(rows=1, seats_per_row=2)  # no lock activity: not listed
    response = staff_api.get(LIST, {"minutes": 30})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"window", "events", "resources"}
    assert body["window"]["minutes"] == 30
    (event,) = body["events"]
    assert event["resource"] == f"event:{sale.event.id}" and event["title"] == sale.event.title
    assert set(event) >= FIGURES
    assert event["attempts"] == event["acquired"] + event["failed"]
    assert event["failed"] == 2 and event["degraded"] == 2
    hottest = body["resources"][0]
    assert hottest["resource"] == f"seat:{sale.seats[0]}"
    assert hottest["failed"] == 2 and hottest["label"] == "A row 1 seat 1"
    assert hottest["p95_wait_ms"] is not None and hottest["p95_wait_ms"] > 25


def test_overview_filters_by_event_and_limits_the_seats(staff_api):
    sale = busy_sale()
    other = busy_sale()
    body = staff_api.get(LIST, {"event": other.event.id, "limit": 1}).json()
    assert [e["event_id"] for e in body["events"]] == [other.event.id]
    assert len(body["resources"]) == 1 and body["resources"][0]["event_id"] == other.event.id
    assert sale.event.id not in {r["event_id"] for r in body["resources"]}


def test_overview_with_no_activity(staff_api):
    body = staff_api.get(LIST).json()
    assert body["events"] == [] and body["resources"] == []
    assert body["window"]["minutes"] == 60


@pytest.mark.parametrize(
    "params", [{"minutes": 0}, {"minutes": 99999}, {"minutes": "x"}, {"limit": 1000}]
)
def test_bad_query_parameters_are_400(staff_api, params):
    response = staff_api.get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and set(body["fields"]) == set(params)


def test_an_event_resource(staff_api):
    sale = busy_sale()
    response = staff_api.get(f"{LIST}/event:{sale.event.id}", {"minutes": 15})
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "event" and body["event_id"] == sale.event.id
    assert body["label"] == sale.event.title
    assert set(body["totals"]) >= FIGURES
    assert len(body["series"]) == 15
    assert sum(p["failed"] for p in body["series"]) == body["totals"]["failed"] == 2
    assert body["sections"][0]["section"] == "A"
    assert body["seats"][0]["resource"] == f"seat:{sale.seats[0]}"


def test_a_seat_resource(staff_api):
    sale = busy_sale()
    response = staff_api.get(f"{LIST}/seat:{sale.seats[0]}", {"minutes": 600})
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "seat" and body["event_id"] == sale.event.id
    assert body["label"] == "A row 1 seat 1"
    assert body["totals"]["failed"] == 2
    assert body["totals"]["contention_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert len(body["series"]) == 60  # ten-minute buckets
    assert "sections" not in body and "seats" not in body


@pytest.mark.parametrize("resource", ["event:999999", "seat:999999", "queue:1", "seat:x", "x"])
def test_unknown_resources_are_404(staff_api, resource):
    response = staff_api.get(f"{LIST}/{resource}")
    assert response.status_code == 404
    assert response.json()["code"] == "resource_not_found"


def test_the_api_runs_a_fixed_number_of_queries(staff_api, django_assert_num_queries):
    quiet = on_sale_event(rows=1, seats_per_row=2)
    sale = busy_sale(rows=3, seats_per_row=6)
    for url, expected in (
        (LIST, 2),
        (f"{LIST}/event:{quiet.id}", 4),
        (f"{LIST}/event:{sale.event.id}", 4),
        (f"{LIST}/seat:{sale.seats[0]}", 2),
    ):
        with django_assert_num_queries(expected):
            assert staff_api.get(url).status_code == 200


def test_staff_token_works_over_http(client):
    staff = UserFactory(is_staff=True)
    token = str(RefreshToken.for_user(staff).access_token)
    response = client.get(LIST, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
