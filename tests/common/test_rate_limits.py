"""Rate limits per account and per client address on the real Redis (apps.common.rate_limits):
holds, bookings, cancels and room joins each answer 429 with Retry-After and their own code
past their limit; a forged X-Forwarded-For does not reset the address's count; a window runs
out; Redis away lets requests through."""

import time
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from rest_framework.test import APIClient

from apps.common.rate_limits import ACTIONS, parse_rate
from apps.inventory.models import Hold
from tests import factories
from tests.waitingroom.rooms import room_event

pytestmark = pytest.mark.django_db(transaction=True)

GENEROUS = "100000/min"


@pytest.fixture
def limits(settings):
    """Sets one action's limits (everything else stays generous)."""

    def set_limits(action, *, user=GENEROUS, ip=GENEROUS):
        settings.RATE_LIMITS = {
            **{name: {"user": GENEROUS, "ip": GENEROUS} for name in ACTIONS},
            action: {"user": user, "ip": ip},
        }

    return set_limits


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _hold(client, event, **meta):
    return client.post("/api/v1/holds", {"event": event.pk, "quantity": 1}, format="json", **meta)


def _booking(client, event, **meta):
    # A hold that is not the buyer's: 404 after the limit has counted it, 429 past the limit.
    body = {"hold": str(uuid.uuid4()), "payment_method": "pm_card_visa"}
    return client.post("/api/v1/bookings", body, format="json", **meta)


def _cancel(client, event, **meta):
    return client.post("/api/v1/bookings/TK-NOTMINE1/cancel", **meta)


def _join(client, event, **meta):
    return client.post(f"/api/v1/events/{event.pk}/room", **meta)


ENDPOINTS = [
    pytest.param("hold", _hold, id="hold"),
    pytest.param("booking", _booking, id="booking"),
    pytest.param("cancel", _cancel, id="cancel"),
    pytest.param("room_join", _join, id="room-join"),
]


def _event_for(action):
    return room_event(opens_in=3600) if action == "room_join" else factories.on_sale_event()


def _assert_refused(response, action, by):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == ACTIONS[action][0]
    assert f"from this {by}" in body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.parametrize(("action", "send"), ENDPOINTS)
def test_each_action_is_limited_per_account(limits, action, send):
    limits(action, user="2/min")
    event = _event_for(action)
    client = client_for(factories.UserFactory())
    for _ in range(2):
        assert send(client, event).status_code != 429
    _assert_refused(send(client, event), action, "account")
    # In German the same code, its detail in German.
    german = send(client, event, HTTP_ACCEPT_LANGUAGE="de")
    assert (german.status_code, german.json()["code"]) == (429, ACTIONS[action][0])
    assert "von diesem Konto" in german.json()["detail"]
    # Another buyer from the same address is not refused: the account was.
    assert send(client_for(factories.UserFactory()), event).status_code != 429


@pytest.mark.parametrize(("action", "send"), ENDPOINTS)
def test_each_action_is_limited_per_address(limits, action, send):
    limits(action, ip="3/min")
    event = _event_for(action)
    for _ in range(3):
        assert send(client_for(factories.UserFactory()), event).status_code != 429
    _assert_refused(send(client_for(factories.UserFactory()), event), action, "address")
    # From another address the same action goes through.
    other = send(client_for(factories.UserFactory()), event, REMOTE_ADDR="203.0.113.9")
    assert other.status_code != 429


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_forged_forwarded_for_does_not_reset_the_address_limit(settings, limits, proxies):
    settings.NUM_PROXIES = proxies
    limits("hold", ip="2/min")
    event = factories.on_sale_event()

    def send(n):
        # The client writes whatever it likes; with one proxy, our balancer appends the address
        # it saw (198.51.100.4), and only that one counts.
        forged = f"6.6.6.{n}" if proxies == 0 else f"6.6.6.{n}, 198.51.100.4"
        meta = {"HTTP_X_FORWARDED_FOR": forged, "REMOTE_ADDR": "10.0.0.2"}
        return _hold(client_for(factories.UserFactory()), event, **meta)

    assert [send(n).status_code != 429 for n in range(2)] == [True, True]
    _assert_refused(send(99), "hold", "address")


def test_the_limit_resets_after_its_window(limits):
    limits("hold", user="2/s")
    event = factories.on_sale_event()
    client = client_for(factories.UserFactory())
    assert _hold(client, event).status_code == 201
    assert _hold(client, event).status_code == 409  # active_hold_exists: counted all the same
    refused = _hold(client, event)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    time.sleep(1.1)
    assert _hold(client, event).status_code == 409  # through to the hold engine again


def test_a_refused_request_does_not_count_against_the_address(limits):
    limits("hold", user="1/min", ip="3/min")
    event = factories.on_sale_event()
    hoarder = client_for(factories.UserFactory())
    assert _hold(hoarder, event).status_code == 201
    for _ in range(5):
        assert _hold(hoarder, event).status_code == 429  # the account's limit, not counted
    for _ in range(2):
        assert _hold(client_for(factories.UserFactory()), event).status_code == 201


def test_a_refused_join_leaves_no_place_and_each_room_counts_its_own(limits):
    """Room joins are counted inside the room's own join script (apps.waitingroom.state): a
    refused join changes nothing in the queue, and the limit is per room."""
    limits("room_join", ip="1/min")
    event, other_event = room_event(opens_in=3600), room_event(opens_in=3600)
    first, second = factories.UserFactory(), factories.UserFactory()
    assert _join(client_for(first), event).status_code == 200
    _assert_refused(_join(client_for(second), event), "room_join", "address")
    status = client_for(second).get(f"/api/v1/events/{event.pk}/room").json()
    assert status["state"] == "not_joined"
    assert _join(client_for(second), other_event).status_code == 200


def test_the_browser_join_is_limited_too(client, limits):
    limits("room_join", user="1/min")
    event = room_event(opens_in=3600)
    client.force_login(factories.UserFactory())
    assert client.post(f"/room/{event.pk}/join/").status_code == 302
    refused = client.post(f"/room/{event.pk}/join/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert b"Too many attempts to join the waiting room" in refused.content


def test_with_redis_away_the_limits_let_requests_through(limits, dead_redis):
    limits("hold", user="1/min", ip="1/min")
    event = factories.on_sale_event()
    client = client_for(factories.UserFactory())
    assert _hold(client, event).status_code == 201  # the database alone holds the seats
    assert _hold(client, event).status_code == 409  # active_hold_exists, not 429


def test_a_malformed_rate_is_a_configuration_error():
    assert parse_rate("20/min") == (20, 60)
    assert parse_rate("5/s") == (5, 1)
    for bad in ("20", "x/min", "0/min", "20/fortnight"):
        with pytest.raises(ImproperlyConfigured):
            parse_rate(bad)


def test_the_pages_share_the_api_limits(client, limits):
    """The hold form, the checkout form and the cancel button count against the same limits as
    the API: a bot gains nothing by switching to the pages."""
    buyer = factories.UserFactory()
    client.force_login(buyer)
    event = factories.on_sale_event()
    seat = event.event_seats.order_by("id").values_list("id", flat=True).first()
    limits("hold", user="1/min")
    assert _hold(client_for(buyer), event).status_code == 201  # the API's request counts
    refused = client.post(reverse("holds:create", args=[event.pk]), {"seat": [seat]}, follow=True)
    assert b"Too many hold requests from this account" in refused.content

    hold_id = Hold.objects.get(user=buyer).pk
    limits("booking", user="1/min")
    client.post(reverse("bookings:checkout", args=[hold_id]), {"card_number": "1"})
    refused = client.post(reverse("bookings:checkout", args=[hold_id]), {"card_number": "1"})
    assert refused.status_code == 429
    assert b"Too many payment attempts" in refused.content

    limits("cancel", user="1/min")
    client.post(reverse("bookings:cancel", args=["TK-NOTMINE1"]))
    refused = client.post(reverse("bookings:cancel", args=["TK-NOTMINE1"]), follow=True)
    assert b"Too many cancellations from this account" in refused.content
