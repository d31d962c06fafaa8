"""How long a 20,000-seat map takes from navigation to a map that takes clicks, in this Chromium
on this machine: printed and written to test-artifacts/seatmap-timing.json (README, "The seat
map"). A benchmark figure, not a timed assertion: a shared machine's load would make one flaky.
What the test does assert is that the map is really there and usable at that size."""

import json
import re

import pytest
from playwright.sync_api import expect

from apps.inventory.layouts import generate_seat_layout
from apps.inventory.publishing import publish_event
from tests import factories
from tests.browser.test_seat_map import DESKTOP, PHONE

pytestmark = pytest.mark.browser

SECTIONS, ROWS, SEATS_PER_ROW = 8, 50, 50  # 20,000 seats

READY_MS = "performance.getEntriesByName('seatmap-ready')[0].startTime"
# The slowest of ten zoom steps (a pinch or wheel turn asks one per frame): the canvas redraw.
ZOOM_STEP_MS = """async () => {
  const button = document.querySelector('[data-zoom-action=in]');
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  let slowest = 0;
  for (let i = 0; i < 10; i++) {
    const start = performance.now();
    button.click();
    await frame();
    slowest = Math.max(slowest, performance.now() - start);
  }
  return slowest;
}"""


# The name of the seat nearest the middle of the map.
NEAREST_THE_MIDDLE = """() => {
  const map = document.getElementById('seatmap-viewport').getBoundingClientRect();
  const x = map.left + map.width / 2, y = map.top + map.height / 2;
  let best = null, bestDistance = Infinity;
  for (const el of document.querySelectorAll('#seatmap-seats .seat')) {
    const r = el.getBoundingClientRect();
    const d = Math.hypot(r.left + r.width / 2 - x, r.top + r.height / 2 - y);
    if (d < bestDistance) { bestDistance = d; best = el; }
  }
  return best.getAttribute('aria-label');
}"""


def a_20000_seat_event():
    event = factories.EventFactory(title="Stadium night")
    generate_seat_layout(
        venue=event.venue, section_count=SECTIONS, rows=ROWS, seats_per_row=SEATS_PER_ROW
    )
    factories.PriceTierFactory(event=event, name="Standard")
    return publish_event(event_id=event.pk)


def visit(page, event) -> float:
    page.goto(event.get_absolute_url())
    expect(page.get_by_test_id("seatmap")).to_have_attribute("data-ready", "true", timeout=30_000)
    return round(page.evaluate(READY_MS))


def test_time_to_an_interactive_20000_seat_map(browsers, artifacts):
    event = a_20000_seat_event()
    figures = {"seats": SECTIONS * ROWS * SEATS_PER_ROW}
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page = browsers.page(**size)
        visit(page, factories.on_sale_event(rows=1, seats_per_row=2))  # a warm browser
        first = visit(page, event)  # the layout fetched
        again = visit(page, event)  # the layout from the browser's cache, under its version
        page.screenshot(path=str(artifacts / f"seatmap-20000-whole-{name}.png"))
        # The canvas draws them all; elements exist only for seats in view, at most 4,000.
        assert page.locator("#seatmap-seats .seat").count() <= 4000
        zoom_step = round(page.evaluate(ZOOM_STEP_MS), 1)
        # Usable at that size: a seat of a section zoomed to is picked.
        page.get_by_role("button", name="Section D").click()
        for _ in range(8):
            if page.evaluate("window.seatMap.targetPx()") >= 24:
                break
            page.get_by_role("button", name="Zoom in").click()
        # The seats in view get their elements once the zoom settles.
        expect(page.locator("#seatmap-seats .seat").nth(1)).to_be_attached()
        label = page.evaluate(NEAREST_THE_MIDDLE)
        assert label.startswith("Section D, ")
        picked = page.get_by_role("checkbox", name=label)
        picked.click()
        expect(picked).to_have_attribute("aria-checked", "true")
        assert picked.bounding_box()["width"] >= 24
        # And by keyboard from the whole hall: the next seat is zoomed to, focused and on screen.
        page.keyboard.press("0")
        expect(page.get_by_test_id("seatmap-viewport")).to_have_attribute("data-zoom", "1.00")
        page.keyboard.press("ArrowRight")
        focused = page.locator(":focus")
        expect(focused).to_have_attribute(
            "aria-label", re.compile(r"^Section D, row \d+, seat \d+")
        )
        box, frame = focused.bounding_box(), page.get_by_test_id("seatmap-viewport").bounding_box()
        assert box["width"] >= 24
        assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
        assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
        figures[name] = {"first_visit_ms": first, "again_ms": again, "zoom_step_ms": zoom_step}
        page.screenshot(path=str(artifacts / f"seatmap-20000-{name}.png"))

    print(f"\nseat map, {figures['seats']} seats, navigation to interactive: {figures}")
    (artifacts / "seatmap-timing.json").write_text(json.dumps(figures, indent=2) + "\n")
