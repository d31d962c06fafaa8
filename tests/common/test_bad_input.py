"""Bad input a user can send, each answered with a clear 4xx (the JSON error shape for the API,
a 400 page for the pages), never a 500 (issue 14, finding 7). The test client re-raises any
exception a view lets out, so a 500 fails these tests loudly."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.bookings.models import Booking
from apps.inventory.models import Hold
from apps.payments.providers.base import CardDetails, luhn_valid
from tests.factories import on_sale_event

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
# Superscripts pass str.isdigit() and int() refuses them; Arabic-Indic and full-width digits
# pass int() (and str.isdecimal()) as the numbers they look like.
UNICODE_DIGITS = ["²", "٢", "２", "1²", "١٢"]


@pytest.fixture
def event():
    return on_sale_event(rows=2, seats_per_row=10)


@pytest.fixture
def api(buyer):
    client = APIClient()
    client.force_authenticate(buyer)
    return client


def assert_error_shape(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) >= {"code", "detail"}
    return body


@pytest.mark.parametrize("value", UNICODE_DIGITS)
def test_unicode_digits_on_the_event_page_are_ignored(client, event, value):
    url = event.get_absolute_url()
    response = client.get(url, {"quantity": value, "seats": value, "price_tier": value})
    assert response.status_code == 200
    assert response.context["best"]["quantity"] == 2  # the default, not a misread "٢"
    assert response.context["seat_data"]["preselected"] == []


@pytest.mark.parametrize("value", UNICODE_DIGITS)
def test_unicode_digits_in_the_hold_form_hold_nothing(client, buyer, event, value):
    client.force_login(buyer)
    url = reverse("holds:create", args=[event.id])
    response = client.post(url, {"seat": value})
    assert response.status_code == 302
    response = client.post(url, {"mode": "best", "quantity": value, "price_tier": value})
    assert response.status_code == 302
    assert not Hold.objects.exists()


@pytest.mark.parametrize("value", UNICODE_DIGITS)
def test_unicode_digits_in_the_hold_api_are_400(api, event, value):
    for body in (
        {"event": event.id, "quantity": value},
        {"event": value, "quantity": 2},
        {"event": event.id, "seats": [value]},
    ):
        payload = assert_error_shape(api.post("/api/v1/holds", body, format="json"), 400)
        assert payload["code"] == "validation_error"
    assert not Hold.objects.exists()


@pytest.mark.parametrize(
    "card",
    [
        CARD | {"card_number": "4242 4242 4242 424²"},
        CARD | {"card_number": "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"},
        CARD | {"cvc": "12³"},
        CARD | {"cvc": "١٢٣"},
        CARD | {"exp_month": "١٢"},
    ],
)
def test_unicode_digits_in_a_card_are_refused_and_nothing_is_charged(api, event, card):
    seats = list(event.event_seats.values_list("id", flat=True)[:1])
    hold = api.post("/api/v1/holds", {"event": event.id, "seats": seats}, format="json").json()
    response = api.post("/api/v1/bookings", {"hold": hold["id"], "payment": card}, format="json")
    assert_error_shape(response, 400)
    assert not Booking.objects.filter(status=Booking.Status.CONFIRMED).exists()


def test_card_parsing_reads_ascii_digits_only():
    assert luhn_valid("4242424242424242")
    assert not luhn_valid("424242424242424²")
    with pytest.raises(Exception) as refused:
        CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="12³")
    assert refused.value.extra["fields"].keys() == {"cvc"}


@pytest.mark.parametrize("ident", ["²", "٢", "1²"])
def test_unicode_digits_in_a_monitoring_resource_are_404(staff_user, ident):
    client = APIClient()
    client.force_authenticate(staff_user)
    for kind in ("seat", "event"):
        response = client.get(f"/api/v1/monitoring/lock-contention/{kind}:{ident}")
        assert assert_error_shape(response, 404)["code"] == "resource_not_found"
    response = client.get("/api/v1/monitoring/lock-contention", {"minutes": "٥"})
    assert assert_error_shape(response, 400)["fields"].keys() == {"minutes"}


@pytest.mark.parametrize("depth", [941, 10_000])
@pytest.mark.parametrize("path", ["/api/v1/auth/token/refresh", "/api/v1/holds"])
def test_deeply_nested_json_is_a_400(api, path, depth):
    body = "[" * depth + "]" * depth
    response = api.post(path, body, content_type="application/json")
    assert assert_error_shape(response, 400)["code"] == "parse_error"
    nested = json.dumps({"event": 1, "seats": [[[[[[[[[[1]]]]]]]]]]})
    assert assert_error_shape(api.post(path, nested, content_type="application/json"), 400)


def test_dates_at_the_end_of_the_calendar_are_no_bound(client, event):
    for query in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01", "date_to": "9999-12-30"}):
        response = client.get("/api/v1/events", query)
        assert response.status_code == 200
        assert [e["id"] for e in response.json()["results"]] == [event.id]
        response = client.get(reverse("events:list"), query)
        assert response.status_code == 200
        assert [e.id for e, _ in response.context["cards"]] == [event.id]


def test_nul_in_the_home_page_search_is_a_400_page(client, event):
    response = client.get(reverse("events:list"), {"q": "rock\x00"})
    assert response.status_code == 400
    assert b"could not read" in response.content
    response = client.get("/api/v1/events", {"q": "rock\x00"})
    assert assert_error_shape(response, 400)["fields"].keys() == {"q"}


def test_a_body_too_large_is_a_json_413(api, settings, caplog):
    body = json.dumps({"event": 1, "section": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    for path in ("/api/v1/holds", "/api/v1/auth/token"):
        response = api.post(path, body, content_type="application/json")
        assert assert_error_shape(response, 413)["code"] == "request_too_large"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_an_address_too_long_is_a_json_414(client):
    response = client.get("/api/v1/events", {"q": "x" * 5000})
    assert assert_error_shape(response, 414)["code"] == "uri_too_long"
    assert response["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in response


@pytest.mark.parametrize(
    "query",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "x"},
        {"page": "٢"},
        {"page_size": "junk"},
        {"page_size": "0"},
        {"page_size": "101"},
        {"page_size": "²"},
    ],
)
def test_bad_page_parameters_are_400_naming_them(client, event, query):
    response = client.get("/api/v1/events", query)
    assert assert_error_shape(response, 400)["fields"].keys() == query.keys()


def test_a_page_past_the_last_is_a_404_and_good_pages_work(client, event):
    assert_error_shape(client.get("/api/v1/events", {"page": "2"}), 404)
    response = client.get("/api/v1/events", {"page": "1", "page_size": "1"})
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert client.get("/api/v1/events", {"page": "last"}).status_code == 200


def test_the_schema_documents_page_errors_and_401(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    events = schema["paths"]["/api/v1/events"]["get"]
    assert {"400", "404"} <= events["responses"].keys()
    page = {p["name"]: p["schema"] for p in events["parameters"]}
    assert page["page"]["minimum"] == 1
    assert (page["page_size"]["minimum"], page["page_size"]["maximum"]) == (1, 100)
    assert "401" in schema["paths"]["/api/v1/bookings"]["get"]["responses"]
    assert "401" not in events["responses"]
