"""Staff set a room up in the admin, watch its figures, pause and resume it; without Redis a
room cannot be switched on, and the form says why."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from apps.events.models import Event
from apps.waitingroom import services
from apps.waitingroom.models import WaitingRoom
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ADD = "/admin/waitingroom/waitingroom/add/"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def room_form(event, **changes):
    opens = timezone.localtime(timezone.now() - timedelta(minutes=1))
    return {
        "event": event.pk,
        "enabled": "on",
        "opens_at_0": opens.strftime("%Y-%m-%d"),
        "opens_at_1": opens.strftime("%H:%M:%S"),
        "admission_per_minute": "120",
        "pass_minutes": "5",
        **changes,
    }


def test_staff_switch_a_room_on_watch_it_and_pause_it(admin_client):
    event = factories.on_sale_event()
    answer = admin_client.post(ADD, room_form(event))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    room = WaitingRoom.objects.get(event=event)
    assert (room.enabled, room.admission_per_minute, room.pass_minutes) == (True, 120, 5)
    assert Event.objects.get(pk=event.pk).waiting_room is True

    for _ in range(4):
        services.join_room(user=factories.UserFactory(), event_id=event.pk)
    page = admin_client.get(f"/admin/waitingroom/waitingroom/{event.pk}/change/")
    assert page.status_code == 200
    assert b'data-testid="room-figures"' in page.content
    assert b"js/room-admin.js" in page.content
    figures = admin_client.get(f"/admin/waitingroom/waitingroom/{event.pk}/figures/").json()
    assert figures["waiting"] + figures["admitted"] == 4
    labels = {"event": str(event.pk)}
    waiting = REGISTRY.get_sample_value("ticketing_room_waiting", labels)
    admitted = REGISTRY.get_sample_value("ticketing_room_admitted", labels)
    assert waiting + admitted == 4
    assert figures["rate_per_minute"] == 120
    assert figures["paused"] is False

    admin_client.post(
        "/admin/waitingroom/waitingroom/",
        {"action": "pause", "_selected_action": [event.pk]},
    )
    figures = admin_client.get(f"/admin/waitingroom/waitingroom/{event.pk}/figures/").json()
    assert figures["paused"] is True
    assert figures["minutes_to_empty"] is None

    # The rate changed during the sale, live.
    change = room_form(event, admission_per_minute="600", paused="on")
    del change["event"]
    answer = admin_client.post(f"/admin/waitingroom/waitingroom/{event.pk}/change/", change)
    assert answer.status_code == 302
    figures = admin_client.get(f"/admin/waitingroom/waitingroom/{event.pk}/figures/").json()
    assert (figures["rate_per_minute"], figures["paused"]) == (600, True)


def test_without_redis_a_room_cannot_be_switched_on(admin_client, settings):
    settings.USING_REDIS = False
    event = factories.on_sale_event()
    answer = admin_client.post(ADD, room_form(event))
    assert answer.status_code == 200
    assert "needs Redis" in answer.content.decode()
    assert not WaitingRoom.objects.exists()
    assert Event.objects.get(pk=event.pk).waiting_room is False
    with pytest.raises(Exception) as refused:
        services.configure_room(
            event_id=event.pk, enabled=True, opens_at=timezone.now(), admission_per_minute=60
        )
    assert refused.value.code == "waiting_room_needs_redis"


def test_the_figures_page_is_for_staff_only(client):
    event = factories.on_sale_event()
    services.configure_room(event_id=event.pk, enabled=True, opens_at=timezone.now())
    client.force_login(factories.UserFactory())
    answer = client.get(f"/admin/waitingroom/waitingroom/{event.pk}/figures/")
    assert answer.status_code == 302  # to the admin's login
