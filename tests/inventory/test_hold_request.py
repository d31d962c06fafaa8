"""The hold request is read by parse_hold_request (the hot path) and described to clients by
HoldCreateSerializer (the schema): both must take and refuse the same requests, naming the
same fields."""

import pytest
from rest_framework import serializers

from apps.inventory.hold_json import parse_hold_request
from apps.inventory.serializers import HoldCreateSerializer

BODIES = [
    {"event": 1, "quantity": 2},
    {"event": "7", "seats": [1, 2, "3"]},
    {"event": 1, "seats": []},
    {"event": 1, "quantity": 0},
    {"event": 1, "quantity": 100, "section": " A ", "price_tier": 3},
    {"event": 1.0, "quantity": "2.0"},
    {"event": 1, "seats": [1], "unknown": "ignored"},
    {"event": 1, "quantity": 2, "section": ""},
    {"event": 1, "quantity": 2, "section": 12},
    {},
    {"quantity": 2},
    {"event": 0, "quantity": 2},
    {"event": -3, "quantity": 2},
    {"event": True, "quantity": 2},
    {"event": None, "quantity": 2},
    {"event": "x", "quantity": 2},
    {"event": 1.5, "quantity": 2},
    {"event": [1], "quantity": 2},
    {"event": 1},
    {"event": 1, "quantity": 2, "seats": [1, 2]},
    {"event": 1, "quantity": 101},
    {"event": 1, "quantity": -1},
    {"event": 1, "seats": "1,2"},
    {"event": 1, "seats": [1, "b", 0]},
    {"event": 1, "seats": list(range(1, 102))},
    {"event": 1, "seats": None},
    {"event": 1, "quantity": 2, "section": "x" * 51},
    {"event": 1, "quantity": 2, "section": {"a": 1}},
    {"event": 1, "quantity": 2, "section": True},
    {"event": 1, "quantity": 2, "section": "A\x00"},
    {"event": 1, "quantity": 2, "price_tier": 0},
    {"event": 1, "quantity": 2, "price_tier": "cheap"},
    [1, 2],
    "event=1",
]


def _serializer(body):
    serializer = HoldCreateSerializer(data=body)
    if serializer.is_valid():
        return dict(serializer.validated_data), None
    return None, set(serializer.errors)


def _parser(body):
    try:
        return parse_hold_request(body), None
    except serializers.ValidationError as exc:
        return None, set(exc.detail)


@pytest.mark.parametrize("body", BODIES, ids=[repr(b)[:40] for b in BODIES])
def test_the_parser_takes_and_refuses_what_the_schema_serializer_does(body):
    assert _parser(body) == _serializer(body)


@pytest.mark.django_db
def test_a_bad_hold_request_is_a_400_naming_the_fields(api_client):
    from tests.factories import UserFactory

    api_client.force_authenticate(UserFactory())
    response = api_client.post("/api/v1/holds", {"event": "x", "seats": [1, "b"]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"event", "seats"}
    assert body["fields"]["seats"] == {"1": ["A valid integer is required."]}


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"seats": [10**20]}, {"quantity": 2, "price_tier": 10**20}])
def test_ids_beyond_the_database_range_are_refused_not_a_500(api_client, body):
    from tests.factories import UserFactory, on_sale_event

    event = on_sale_event(rows=1, seats_per_row=4)
    api_client.force_authenticate(UserFactory())
    response = api_client.post("/api/v1/holds", {"event": event.id, **body}, format="json")
    assert response.status_code in (400, 409, 422), response.content
    big_event = api_client.post("/api/v1/holds", {"event": 10**20, "quantity": 1}, format="json")
    assert big_event.status_code in (400, 404), big_event.content


@pytest.mark.django_db
def test_the_hold_document_is_what_the_schema_serializer_makes():
    from apps.inventory import selectors
    from apps.inventory.hold_json import hold_document
    from apps.inventory.holds import hold_seats
    from apps.inventory.serializers import HoldSerializer
    from tests.factories import UserFactory, on_sale_event

    event = on_sale_event(rows=2, seats_per_row=6)
    buyer = UserFactory()
    fresh = hold_seats(user=buyer, event_id=event.pk, quantity=3)
    assert hold_document(fresh) == HoldSerializer(fresh).data
    stored = selectors.get_hold_for_user(user=buyer, hold_id=fresh.id)
    assert hold_document(stored) == HoldSerializer(stored).data
    assert len(hold_document(stored)["seats"]) == 3
