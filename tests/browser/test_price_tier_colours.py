"""Staff add price tiers without picking colours and get distinct ones; publishing warns of a
tier no seat sells at (issue 16, defect 3)."""

import pytest
from playwright.sync_api import expect

from apps.events.models import Event, PriceTier
from apps.inventory.layouts import generate_seat_layout
from tests import factories

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
def test_new_tiers_get_distinct_colours_and_publish_warns_of_an_empty_one(
    browsers, artifacts, size
):
    event = factories.EventFactory(title="Colour Test Night")
    generate_seat_layout(venue=event.venue, sections=["A"], rows=2, seats_per_row=4)
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    page = browsers.page(staff, viewport=SIZES[size])
    page.goto(f"/admin/events/event/{event.pk}/change/")
    rows = page.locator("#price_tiers-group tr.form-row:not(.empty-form)")
    for i, (name, price) in enumerate((("Front", "80.00"), ("Back", "40.00"))):
        rows.nth(i).locator(f'input[name="price_tiers-{i}-name"]').fill(name)
        rows.nth(i).locator(f'input[name="price_tiers-{i}-price"]').fill(price)
    offered = [
        rows.nth(i).locator(f'input[name="price_tiers-{i}-colour"]').input_value() for i in range(2)
    ]
    assert offered[0] != offered[1]
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    colours = dict(PriceTier.objects.filter(event=event).values_list("name", "colour"))
    assert colours["Front"] != colours["Back"]
    page.screenshot(path=str(artifacts / f"defect3-tier-colours-{size}.png"), full_page=True)

    # "Back" is the cheapest (every unassigned seat); "Front" has no seat: a warning.
    page.goto("/admin/events/event/")
    page.locator(f'input[name="_selected_action"][value="{event.pk}"]').check()
    page.locator('select[name="action"]').select_option("publish")
    page.locator("button[name=index]").click()
    warning = page.locator(".messagelist .warning")
    expect(warning).to_contain_text("no seat sells at the price tier “Front”")
    expect(page.locator(".messagelist .success")).to_contain_text("is on sale with 8 seats")
    page.screenshot(path=str(artifacts / f"defect3-publish-warning-{size}.png"), full_page=True)
    assert Event.objects.get(pk=event.pk).status == Event.Status.ON_SALE
