"""Staff set up general admission from the venue's layout page, price it like a section, and
publish: buyers then see the area with its places."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.events import services as event_services
from apps.inventory.models import EventSeat, Seat
from apps.inventory.publishing import publish_event
from tests.factories import EventFactory, PriceTierFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_staff_add_a_standing_area_and_sell_it_at_its_own_price(admin_client, client):
    venue = VenueFactory()
    url = reverse("admin:events_venue_layout", args=[venue.pk])
    assert b"Create standing area" in admin_client.get(url).content
    response = admin_client.post(
        url, {"add_area": "1", "area-name": "Floor", "area-capacity": "1500"}
    )
    assert response.status_code == 302
    messages = [m.message for m in get_messages(response.wsgi_request)]
    assert messages == ["Created the standing area Floor for 1500 people."]
    assert Seat.objects.filter(venue=venue, section="Floor", standing=True).count() == 1500
    summary = admin_client.get(response.url).context["sections"]
    assert summary == [{"section": "Floor", "standing": True, "rows": 1, "seats": 1500}]

    again = admin_client.post(url, {"add_area": "1", "area-name": "Floor", "area-capacity": "10"})
    assert again.status_code == 200
    assert "already has a section or area named Floor" in again.content.decode()
    too_big = admin_client.post(
        url, {"add_area": "1", "area-name": "Pit", "area-capacity": "0"}
    ).content.decode()
    assert "The capacity must be between 1 and 100000." in too_big
    assert Seat.objects.filter(venue=venue).count() == 1500

    event = EventFactory(venue=venue)
    PriceTierFactory(event=event, name="Cheap", price="20.00")
    floor = PriceTierFactory(event=event, name="Floor", price="55.00")
    event_services.assign_tiers(event=event, places=[(floor, "Floor", "")])
    publish_event(event_id=event.pk)
    assert set(EventSeat.objects.filter(event=event).values_list("price_tier", flat=True)) == {
        floor.pk
    }
    page = client.get(event.get_absolute_url()).content.decode()
    assert "1500</strong> of 1500 places left" in page and "55.00" in page
