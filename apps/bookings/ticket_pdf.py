"""The tickets as one PDF, a page per ticket: event, time in the venue's zone, venue, place,
price, the QR code of the ticket's code (drawn as vector squares from segno's matrix, so it
prints sharp at any size) and the booking reference. reportlab's built-in Helvetica covers
Latin-1; titles outside it would need a TrueType font registered here."""

from io import BytesIO

import segno
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from apps.common.errors import Conflict

from .models import Booking
from .ticket_facts import TicketFacts, ticket_facts, valid_tickets

MARGIN = 20 * mm
QR_SIZE = 70 * mm
QR_BORDER = 4  # modules of quiet zone: what scanners expect around a code


def booking_pdf(booking: Booking) -> bytes:
    """The PDF of a booking's valid tickets (the page's and the API's download; the
    confirmation e-mail attaches the same). A booking without any (pending, failed, cancelled)
    is a 409: there is nothing to let anybody in."""
    tickets = valid_tickets(booking)
    if not tickets:
        raise Conflict(
            _("Booking %(reference)s has no valid tickets to download.")
            % {"reference": booking.reference},
            code="no_valid_tickets",
        )
    return render_tickets_pdf(ticket_facts(booking, tickets), title=pdf_title(booking))


def download(booking: Booking) -> HttpResponse:
    """The booking's PDF as a download, for the page and the API alike."""
    response = HttpResponse(booking_pdf(booking), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(booking)}"'
    # A buyer's tickets: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_filename(booking: Booking) -> str:
    return f"tickets-{booking.reference}.pdf"


def pdf_title(booking: Booking) -> str:
    return _("Tickets %(reference)s — %(title)s") % {
        "reference": booking.reference,
        "title": booking.event.title,
    }


def render_tickets_pdf(tickets: list[TicketFacts], *, title: str) -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Ticketing")
    for number, ticket in enumerate(tickets, start=1):
        _draw_ticket(canvas, ticket, number=number, count=len(tickets))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_ticket(canvas: Canvas, ticket: TicketFacts, *, number: int, count: int) -> None:
    width, height = A4
    y = height - MARGIN - 10 * mm
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawString(MARGIN, y, _fit(canvas, ticket.event_title, "Helvetica-Bold", 22, width))
    lines = [
        (pgettext("ticket PDF label", "When"), ticket.when),
        (pgettext("ticket PDF label", "Where"), ticket.venue),
        (pgettext("ticket PDF label", "Place"), ticket.place),
        (pgettext("ticket PDF label", "Price"), ticket.price),
        (pgettext("ticket PDF label", "Booking"), ticket.reference),
    ]
    y -= 14 * mm
    for label, value in lines:
        canvas.setFont("Helvetica", 10)
        canvas.setFillGray(0.4)
        canvas.drawString(MARGIN, y, label)
        canvas.setFillGray(0)
        canvas.setFont("Helvetica", 13)
        canvas.drawString(MARGIN + 25 * mm, y, _fit(canvas, value, "Helvetica", 13, width))
        y -= 9 * mm
    qr_top = y - 6 * mm
    _draw_qr(canvas, ticket.code, x=(width - QR_SIZE) / 2, y=qr_top - QR_SIZE)
    canvas.setFont("Courier", 11)
    canvas.drawCentredString(width / 2, qr_top - QR_SIZE - 7 * mm, ticket.code)
    canvas.setFont("Helvetica", 9)
    canvas.setFillGray(0.4)
    canvas.drawString(
        MARGIN,
        MARGIN,
        _(
            "Ticket %(number)s of %(count)s. Show this code at the entrance; it lets one person "
            "in once."
        )
        % {"number": number, "count": count},
    )
    canvas.setFillGray(0)


def _fit(canvas: Canvas, text: str, font: str, size: float, page_width: float) -> str:
    """Cuts a long line with an ellipsis rather than let it run off the page."""
    room = page_width - 2 * MARGIN - 25 * mm
    if canvas.stringWidth(text, font, size) <= room:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text + "…"


def _draw_qr(canvas: Canvas, code: str, *, x: float, y: float) -> None:
    """The same QR the booking page shows (segno, error correction M), one filled rectangle
    per run of dark modules in a row."""
    matrix = [
        list(row) for row in segno.make(code, error="m", micro=False).matrix_iter(border=QR_BORDER)
    ]
    module = QR_SIZE / len(matrix)
    canvas.setFillGray(1)
    canvas.rect(x, y, QR_SIZE, QR_SIZE, stroke=0, fill=1)
    canvas.setFillGray(0)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + QR_SIZE - (r + 1) * module
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            path.rect(x + start * module, top, (c - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
