"""What a ticket says, the same in the e-mails and the PDF: the event's time in its venue's
zone (with the zone's abbreviation, since buyers travel), the place's one label, the price."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import formats
from django.utils.translation import pgettext

from apps.common.money import format_money

from .models import Booking, Ticket


def local_start(event) -> datetime:
    return event.starts_at.astimezone(event.venue.zone)


def when_label(event) -> str:
    """e.g. "Saturday 5 December 2026, 20:00 CET" ("Samstag, 5. Dezember 2026, 20:00 CET" in
    German: the active language's names and order). Zones without a letter abbreviation (the
    tz database writes "-03" for São Paulo) get their name: "... 20:00 America/Sao_Paulo
    (UTC-03)"."""
    start = local_start(event)
    zone = start.tzname() or event.venue.time_zone
    if zone[0] in "+-":
        zone = f"{event.venue.time_zone} (UTC{zone})"
    day = formats.date_format(
        start, pgettext("date filter format of an event's start on tickets", "l j F Y, H:i")
    )
    return f"{day} {zone}"


@dataclass(frozen=True)
class TicketFacts:
    reference: str
    event_title: str
    when: str
    venue: str
    place: str
    price: str
    code: str


def venue_label(event) -> str:
    venue = event.venue
    return ", ".join(part for part in (venue.name, venue.address, venue.city) if part)


def ticket_facts(booking: Booking, tickets) -> list[TicketFacts]:
    """One per ticket, in the order given. `booking` has its event and venue loaded and the
    tickets their seats (apps.bookings.selectors does both)."""
    event = booking.event
    when, venue = when_label(event), venue_label(event)
    return [
        TicketFacts(
            reference=booking.reference,
            event_title=event.title,
            when=when,
            venue=venue,
            place=ticket.event_seat.seat.label,
            price=format_money(ticket.price, booking.currency),
            code=ticket.code,
        )
        for ticket in tickets
    ]


def valid_tickets(booking: Booking) -> list[Ticket]:
    return [t for t in booking.tickets.all() if t.status == Ticket.Status.VALID]
