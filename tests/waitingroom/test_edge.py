"""The room's own server (apps/waitingroom/edge.py) answers like the shop: the same request sent
through the whole Django stack and through the edge (its ASGI app, in process) gets the same
status, the same JSON and the same headers, whoever asks, in whichever language, whatever goes
wrong (no token, a bad one, no room, too many joins, Redis away)."""

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from apps.common.process_cache import forget_all
from apps.common.redis import redis_health
from apps.waitingroom import services
from apps.waitingroom.edge import RoomEdge
from tests import factories

from .rooms import admit, room_event

pytestmark = pytest.mark.django_db(transaction=True)

# Differ by nature between two answers (or are added by the server in front, not the app).
UNCOMPARED = {"date", "server", "content-length"}


@pytest.fixture(scope="module")
def edge():
    app = RoomEdge(threads=4)
    yield app
    app.executor.shutdown(wait=True)


def through_edge(edge, method, path, headers) -> httpx.Response:
    async def call():
        transport = httpx.ASGITransport(app=edge, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.request(method, path, headers=headers)

    # In a thread of its own: a test before this one (Playwright's) may leave an event loop
    # running in this thread, where asyncio.run() refuses to start another.
    with ThreadPoolExecutor(1) as runner:
        return runner.submit(asyncio.run, call()).result()


def through_shop(method, path, headers):
    meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    client = Client(raise_request_exception=False)  # a failure answered as a server would
    return client.generic(method, path, REMOTE_ADDR="127.0.0.1", **meta)


def answer(response) -> tuple:
    status = response.status_code
    body = response.json() if response.content else None
    headers = {
        name.lower(): value for name, value in response.headers.items() if name.lower() != "vary"
    }
    vary = {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    return status, body, {k: v for k, v in headers.items() if k not in UNCOMPARED}, vary


def both(edge, method, path, headers=None) -> tuple:
    """The shop's answer and the edge's, each asked once, with the same request id; the
    room's per-process copy forgotten before each, as a fresh instance would have it."""
    headers = {"X-Request-ID": uuid.uuid4().hex, **(headers or {})}
    forget_all()
    shop = answer(through_shop(method, path, headers))
    forget_all()
    mine = answer(through_edge(edge, method, path, headers))
    if shop[2] != mine[2]:  # say which headers differ, not just that something does
        differing = {k for k in shop[2].keys() | mine[2].keys() if shop[2].get(k) != mine[2].get(k)}
        print({k: (shop[2].get(k), mine[2].get(k)) for k in differing})
    return shop, mine


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


def test_joining_and_following_the_room_answers_alike(edge):
    event = room_event(rate=1, opens_in=-1)
    ahead, buyer = factories.UserFactory(), factories.UserFactory()
    path = f"/api/v1/events/{event.pk}/room"
    # The one ahead takes the room's first admission; the buyer waits behind. (A first join's
    # answer counts the crowd as it was just before it, so the first one each server answers
    # differs by that one buyer: compared from the second join on, the same place again.)
    through_edge(edge, "POST", path, bearer(ahead))
    first = through_edge(edge, "POST", path, bearer(buyer))
    assert first.status_code == 200 and first.json()["position"] == 2

    shop, mine = both(edge, "POST", path, bearer(buyer))
    assert mine == shop
    status, body, headers, vary = mine
    assert status == 200 and body["state"] == "waiting" and body["position"] >= 1
    assert headers["retry-after"] == str(int(body["poll_seconds"] + 0.99))
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert "accept-language" in vary

    shop, mine = both(edge, "GET", path, bearer(buyer))
    assert mine == shop and mine[1]["state"] == "waiting"


def test_an_admitted_buyer_gets_the_same_pass_from_either(edge):
    event = room_event(rate=600)
    buyer = factories.UserFactory()
    path = f"/api/v1/events/{event.pk}/room"
    assert through_edge(edge, "POST", path, bearer(buyer)).status_code == 200
    admit(buyer, event)

    shop, mine = both(edge, "GET", path, bearer(buyer))
    assert mine == shop
    assert mine[1]["state"] == "admitted" and mine[1]["queue_pass"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not.a.token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["no token", "a bad token", "another scheme"],
)
def test_a_caller_without_a_valid_token_is_refused_alike(edge, headers):
    event = room_event()
    shop, mine = both(edge, "POST", f"/api/v1/events/{event.pk}/room", headers)
    assert mine == shop
    assert mine[0] == 401 and mine[2]["www-authenticate"].startswith("Bearer")


def test_the_refusals_are_alike_in_german(edge):
    event = factories.on_sale_event()  # no room
    buyer = factories.UserFactory()
    german = {"Accept-Language": "de", **bearer(buyer)}
    shop, mine = both(edge, "GET", f"/api/v1/events/{event.pk}/room", german)
    assert mine == shop
    assert mine[0] == 404 and mine[1]["code"] == "no_waiting_room"
    assert mine[2]["content-language"] == "de"
    assert "Warteraum" in mine[1]["detail"]

    shop, mine = both(edge, "DELETE", f"/api/v1/events/{event.pk}/room", german)
    assert mine == shop and mine[0] == 405 and mine[1]["code"] == "method_not_allowed"


def test_joins_past_the_limit_are_refused_alike(edge, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "room_join": {"user": "2/min", "ip": "50/min"}}
    event = room_event()
    buyer = factories.UserFactory()
    path = f"/api/v1/events/{event.pk}/room"
    for _ in range(2):
        assert through_edge(edge, "POST", path, bearer(buyer)).status_code == 200

    shop, mine = both(edge, "POST", path, bearer(buyer))
    assert mine == shop
    status, body, headers, _ = mine
    assert status == 429 and body["code"] == "room_join_rate_limited"
    assert 1 <= int(headers["retry-after"]) <= 60
    # Status answers are not joins: they are not limited.
    assert through_edge(edge, "GET", path, bearer(buyer)).status_code == 200


def test_a_forged_forwarded_for_does_not_reset_the_edge_limit(edge, settings):
    """uvicorn runs with --no-proxy-headers: the address comes from the connection, read as
    NUM_PROXIES says, as in the shop."""
    settings.NUM_PROXIES = 0
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "room_join": {"user": "50/min", "ip": "2/min"}}
    event = room_event()
    path = f"/api/v1/events/{event.pk}/room"
    codes = [
        through_edge(
            edge,
            "POST",
            path,
            {**bearer(factories.UserFactory()), "X-Forwarded-For": f"10.0.0.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


def test_redis_away_fails_closed_alike(edge, settings):
    event = room_event()
    buyer = factories.UserFactory()
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:6390/0"}
    }
    redis_health.reset()
    shop, mine = both(edge, "GET", f"/api/v1/events/{event.pk}/room", bearer(buyer))
    assert mine == shop
    status, body, headers, _ = mine
    assert status == 503 and body["code"] == "waiting_room_unavailable"
    assert headers["retry-after"] == "5"


def test_the_edge_serves_health_and_nothing_else(edge):
    assert through_edge(edge, "GET", "/healthz", {}).json() == {"status": "ok"}
    other = through_edge(edge, "GET", "/api/v1/events", {})
    assert other.status_code == 404 and other.json()["code"] == "not_found"


def test_a_revoked_token_keeps_its_place_but_takes_no_seat(edge):
    """The room trusts the token alone (no read of the account per join, see RoomApi); the
    hold checks the account, so a token from before a new password queues but cannot buy."""
    event = room_event(rate=600)
    buyer = factories.UserFactory()
    token = bearer(buyer)
    path = f"/api/v1/events/{event.pk}/room"
    assert through_edge(edge, "POST", path, token).status_code == 200
    place = admit(buyer, event)
    buyer.set_password("a-new-password-after-a-leak")
    buyer.save()

    shop, mine = both(edge, "GET", path, token)
    assert mine == shop and mine[1]["state"] == "admitted"
    seat = event.event_seats.order_by("id").values_list("id", flat=True)[0]
    held = Client().post(
        "/api/v1/holds",
        {"event": event.pk, "seats": [seat]},
        content_type="application/json",
        HTTP_AUTHORIZATION=token["Authorization"],
        HTTP_X_QUEUE_PASS=place.queue_pass,
    )
    assert held.status_code == 401 and held.json()["code"] == "password_changed"


def test_https_and_the_redirect_to_it_are_answered_alike(settings):
    """The security headers the room's server adds by itself depend on whether the request came
    over HTTPS (HSTS), and plain HTTP is redirected where the shop redirects it."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    edge = RoomEdge(threads=2)  # its own copy of those headers, taken under these settings
    try:
        event = room_event()
        buyer = factories.UserFactory()
        path = f"/api/v1/events/{event.pk}/room"
        assert through_edge(edge, "POST", path, bearer(buyer)).status_code == 301

        over_https = {"X-Forwarded-Proto": "https", **bearer(buyer)}
        shop, mine = both(edge, "GET", path, over_https)
        assert mine == shop and mine[0] == 200
        assert mine[2]["strict-transport-security"].startswith("max-age=3600")

        shop, mine = both(edge, "GET", path, bearer(buyer))
        assert mine == shop and mine[0] == 301
    finally:
        edge.executor.shutdown(wait=True)


def test_a_failure_inside_the_answer_is_the_shops_500(edge, monkeypatch, caplog):
    event = room_event()
    buyer = factories.UserFactory()

    def broken(**kwargs):
        raise RuntimeError("a bug in the room")

    monkeypatch.setattr(services, "room_status", broken)
    shop, mine = both(edge, "GET", f"/api/v1/events/{event.pk}/room", bearer(buyer))
    assert mine == shop
    assert mine[0] == 500 and mine[1]["code"] == "server_error"
    assert "a bug in the room" in caplog.text  # logged, with its traceback
