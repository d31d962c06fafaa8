from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat, Seat
from tests.factories import PriceTierFactory, UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def change_url(event_seat):
    return reverse("admin:inventory_eventseat_change", args=[event_seat.pk])


def test_an_available_seat_moves_to_another_tier_of_its_event(admin_client):
    event = on_sale_event(rows=1, seats_per_row=2)
    vip = PriceTierFactory(event=event, name="VIP", price=Decimal("90.00"))
    PriceTierFactory(name="Other event's tier")
    seat = EventSeat.objects.filter(event=event).first()

    page = admin_client.get(change_url(seat))
    choices = page.context["adminform"].form.fields["price_tier"].queryset
    assert set(choices) == set(event.price_tiers.all())

    response = admin_client.post(change_url(seat), {"price_tier": vip.pk, "_save": "Save"})
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.price_tier_id == vip.pk and seat.status == "available"


def test_a_held_seat_keeps_its_tier_and_its_hold(admin_client):
    event = on_sale_event(rows=1, seats_per_row=2)
    vip = PriceTierFactory(event=event, name="VIP", price=Decimal("90.00"))
    seat = EventSeat.objects.filter(event=event).first()
    hold = hold_seats(user=UserFactory(), event_id=event.pk, event_seat_ids=[seat.pk])

    page = admin_client.get(change_url(seat))
    assert "price_tier" not in page.context["adminform"].form.fields

    admin_client.post(change_url(seat), {"price_tier": vip.pk, "_save": "Save"})
    seat.refresh_from_db()
    assert seat.price_tier.name == "Standard"
    assert seat.status == "held" and seat.hold_id == hold.pk


def test_a_seat_held_while_the_form_was_open_is_not_released(admin_client, monkeypatch):
    """Staff opened the form while the seat was free; a buyer held it before they pressed Save.
    Saving must neither re-price it nor write back the stale 'available'."""
    from apps.inventory.admin import EventSeatAdmin

    event = on_sale_event(rows=1, seats_per_row=2)
    vip = PriceTierFactory(event=event, name="VIP", price=Decimal("90.00"))
    seat = EventSeat.objects.filter(event=event).first()
    hold = hold_seats(user=UserFactory(), event_id=event.pk, event_seat_ids=[seat.pk])
    real_get_object = EventSeatAdmin.get_object

    def as_seen_when_the_form_opened(self, request, object_id, from_field=None):
        stale = real_get_object(self, request, object_id, from_field)
        stale.status, stale.hold_id, stale.held_until = "available", None, None
        return stale

    monkeypatch.setattr(EventSeatAdmin, "get_object", as_seen_when_the_form_opened)
    response = admin_client.post(change_url(seat), {"price_tier": vip.pk, "_save": "Save"})

    assert response.status_code == 302 and response.url == change_url(seat)
    messages = [m.message for m in get_messages(response.wsgi_request)]
    assert messages == ["Not changed: This seat is held; its price cannot change now."]
    seat.refresh_from_db()
    assert seat.status == "held" and seat.hold_id == hold.pk
    assert seat.price_tier.name == "Standard"


def test_inventory_cannot_be_added_or_deleted_here(admin_client):
    event = on_sale_event(rows=1, seats_per_row=1)
    seat = EventSeat.objects.get(event=event)
    assert admin_client.get(reverse("admin:inventory_eventseat_add")).status_code == 403
    delete = reverse("admin:inventory_eventseat_delete", args=[seat.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:inventory_seat_add")).status_code == 403
    assert EventSeat.objects.filter(pk=seat.pk).exists()


def test_seats_are_view_only(admin_client):
    event = on_sale_event(rows=1, seats_per_row=1)
    seat = Seat.objects.get(venue=event.venue)
    url = reverse("admin:inventory_seat_change", args=[seat.pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"venue": seat.venue_id, "section": "Z", "row": "9", "number": 9})
    seat.refresh_from_db()
    assert (seat.section, seat.row, seat.number) == ("A", "1", 1)


@pytest.mark.parametrize("model", ["seat", "eventseat"])
def test_seat_lists_run_a_fixed_number_of_queries(admin_client, django_assert_num_queries, model):
    url = reverse(f"admin:inventory_{model}_changelist")
    on_sale_event(rows=1, seats_per_row=2)
    with django_assert_num_queries(QUERIES[model]):
        assert admin_client.get(url).status_code == 200
    for _ in range(3):
        on_sale_event(rows=3, seats_per_row=4)
    with django_assert_num_queries(QUERIES[model]):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 2 + 3 * 12


# session, user, counts, page with related rows, then the list filters' choices
QUERIES = {"seat": 7, "eventseat": 6}
