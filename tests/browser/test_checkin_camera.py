"""The check-in page reading a ticket's QR code from the camera: Chromium's fake camera plays a
video of the ticket's QR code (made here with segno, as the ticket page draws it), and the page
reads it (BarcodeDetector where Chromium has one, else the vendored jsQR) and admits it."""

import re

import pytest
import segno
from playwright.sync_api import expect

from apps.checkin.models import CheckIn
from tests.checkin.helpers import door_steward, sold_tickets
from tests.factories import on_sale_event

from .conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Browsers

pytestmark = pytest.mark.browser

SIZE = 320  # pixels, square; even, as the 4:2:0 frames need
SCALE = 8  # pixels per QR module


def qr_video(code: str, path) -> None:
    """A two-frame Y4M video (what Chromium's fake camera plays) of `code` as a QR code, black
    on white with its quiet zone, in the middle of the frame."""
    rows = list(segno.make(code, error="m", micro=False).matrix_iter(border=4))
    side = len(rows) * SCALE
    assert side <= SIZE, "the QR code does not fit the frame"
    offset = (SIZE - side) // 2
    luma = bytearray(b"\xff" * SIZE * SIZE)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(SCALE):
                    start = (offset + y * SCALE + dy) * SIZE + offset + x * SCALE
                    luma[start : start + SCALE] = b"\x00" * SCALE
    chroma = b"\x80" * (SIZE // 2) * (SIZE // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{SIZE} H{SIZE} F5:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame + frame)


def test_the_camera_reads_a_ticket_and_admits_it(browser, live_server, transactional_db, tmp_path):
    event = on_sale_event(rows=1, seats_per_row=4, title="Camera Night")
    (ticket,) = sold_tickets(event, quantity=1)
    video = tmp_path / "ticket.y4m"
    qr_video(ticket.code, video)
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    # A Chromium of its own (the camera is a launch option), from the session's Playwright.
    with_camera = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + camera, headless=True
    )
    opened = Browsers(with_camera, live_server)
    try:
        page = opened.page(
            door_steward(), viewport={"width": 390, "height": 844}, permissions=["camera"]
        )
        scans = []
        page.on("request", lambda r: scans.append(r) if r.url.endswith("/checkin") else None)
        page.goto(f"/checkin/{event.pk}/?door=west")
        page.get_by_test_id("checkin-camera").click()
        result = page.get_by_test_id("checkin-result")
        expect(result).to_have_attribute("data-result", "green", timeout=TIMEOUT_MS * 2)
        expect(result).to_contain_text(ticket.event_seat.seat.label)
        expect(page.get_by_test_id("checkin-camera")).to_have_text(re.compile("Stop"))
        native = page.evaluate("'BarcodeDetector' in window")
        reader = page.get_by_test_id("checkin").get_attribute("data-reader")
        # Chromium on Linux has no BarcodeDetector: then the vendored jsQR read the frames.
        if native:
            assert reader == "native"
        else:
            assert reader == "jsqr"
            assert page.evaluate("typeof window.jsQR === 'function'")
        # The ticket stays in view: the page does not send it again (it would turn amber).
        page.wait_for_timeout(2500)
        expect(result).to_have_attribute("data-result", "green")
        assert len(scans) == 1
        page.get_by_test_id("checkin-camera").click()
        expect(page.get_by_test_id("checkin-camera")).to_have_text("Scan with the camera")
    finally:
        opened.close()
        with_camera.close()
    assert not opened.js_errors, opened.js_errors
    assert not opened.broken, opened.broken
    assert not opened.csp_violations, opened.csp_violations
    assert list(CheckIn.objects.values_list("ticket_id", "door")) == [(ticket.pk, "west")]
