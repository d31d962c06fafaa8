"""The room's pages without a browser: what a buyer sees with Redis away, the cookie the pass
travels in, and the status document the page's script polls."""

import pytest

from apps.waitingroom import passes, services
from tests import factories

from .rooms import admit, room_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_with_redis_away_the_page_says_the_room_is_briefly_unavailable(client, dead_redis):
    event = room_event(opens_in=-60)
    client.force_login(factories.UserFactory())
    page = client.get(f"/room/{event.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "briefly unavailable; you keep your place" in html
    assert 'data-testid="room-unavailable">' in html  # shown, not `hidden`
    status = client.get(f"/room/{event.pk}/status")
    assert status.status_code == 503
    assert status.json()["code"] == "waiting_room_unavailable"
    assert status["Retry-After"] == "5"


def test_an_admitted_buyer_gets_the_pass_in_a_cookie_and_goes_to_the_event(client):
    event = room_event(opens_in=-60, rate=60_000)
    buyer = factories.UserFactory()
    client.force_login(buyer)
    joined = client.post(f"/room/{event.pk}/join/")
    assert joined.status_code == 302
    admit(buyer, event)
    status = client.get(f"/room/{event.pk}/status").json()
    assert status["state"] == "admitted"
    assert status["next"] == event.get_absolute_url()
    cookie = client.cookies[passes.cookie_name(event.pk)]
    assert cookie.value == status["queue_pass"]
    assert cookie["httponly"]
    page = client.get(f"/room/{event.pk}/")
    assert page.status_code == 302 and page["Location"] == event.get_absolute_url()
    assert "You are in" in client.get(event.get_absolute_url()).content.decode()


def test_the_page_shows_a_waiting_buyer_their_place(client):
    event = room_event(opens_in=-60, rate=1, paused=True)
    services.join_room(user=factories.UserFactory(), event_id=event.pk)
    client.force_login(factories.UserFactory())
    assert b'data-testid="join-room"' in client.get(f"/room/{event.pk}/").content
    client.post(f"/room/{event.pk}/join/")
    html = client.get(f"/room/{event.pk}/").content.decode()
    assert '<strong data-testid="room-position">2</strong>' in html
    assert client.get("/room/999999/").status_code == 404
    plain = factories.on_sale_event()
    assert client.get(f"/room/{plain.pk}/").status_code == 404
