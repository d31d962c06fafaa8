"""New price tiers get distinct colours from a colour-blind-safe palette, and publishing warns
of a tier no seat sells at (issue 16, defect 3)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.events import services as event_services
from apps.events.models import PriceTier
from apps.events.services import TIER_PALETTE
from tests.backoffice.test_event_admin import draft_event, event_form_data, messages_of, run_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_tiers_added_in_code_get_the_next_unused_palette_colour():
    event = draft_event()
    colours = [
        event_services.add_price_tier(event=event, name=n, price=Decimal(p)).colour
        for n, p in (("Front", "80"), ("Middle", "60"), ("Back", "40"))
    ]
    assert colours == list(TIER_PALETTE[:3])
    chosen = event_services.add_price_tier(event=event, name="Own", price=1, colour="#123456")
    assert chosen.colour == "#123456"


def test_blank_tier_forms_offer_distinct_colours(admin_client):
    event = draft_event()
    event_services.add_price_tier(event=event, name="Front", price=Decimal("80"))
    page = admin_client.get(reverse("admin:events_event_change", args=[event.pk]))
    formset = page.context["inline_admin_formsets"][0].formset
    offered = [form.initial.get("colour") for form in formset.extra_forms]
    used = [form.instance.colour for form in formset.initial_forms]
    assert len(set(offered + used)) == len(offered + used)


def test_two_tiers_saved_without_picking_colours_differ(admin_client):
    event = draft_event()
    data = event_form_data(event)
    data["price_tiers-TOTAL_FORMS"] = 2
    # What a form added with "Add another" posts: the model's default colour, untouched.
    default = PriceTier._meta.get_field("colour").default
    for i, (name, price) in enumerate((("Front", "80.00"), ("Back", "40.00"))):
        data |= {
            f"price_tiers-{i}-event": event.pk,
            f"price_tiers-{i}-name": name,
            f"price_tiers-{i}-price": price,
            f"price_tiers-{i}-colour": default,
        }
    response = admin_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.context["errors"]
    colours = list(PriceTier.objects.filter(event=event).values_list("colour", flat=True))
    assert len(colours) == 2 and len(set(colours)) == 2


def test_publishing_warns_of_a_tier_without_seats_but_publishes(admin_client):
    event = draft_event(sections=("A",))
    event_services.add_price_tier(event=event, name="Cheap", price=Decimal("20"))
    event_services.add_price_tier(event=event, name="Balcony", price=Decimal("50"))
    response = run_action(admin_client, "publish", event)
    shown = messages_of(response)
    assert any("no seat sells at the price tier “Balcony”" in m for m in shown)
    assert shown[-1].endswith("is on sale with 6 seats.")
