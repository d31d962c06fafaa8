"""Letting a ticket in at a door: the page and the scanner API call `check_in_ticket`.

A ticket is admitted once. The check-in row is unique per ticket (the guarantee); the ticket
row is locked for the moment of the decision, so two doors scanning it at once go one after
the other and the second is told when and where it was used, and a cancellation committing at
the same instant either comes first (refused) or waits for the check-in."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.bookings import selectors as bookings_selectors
from apps.bookings.models import Booking, Ticket
from apps.common import metrics
from apps.common.errors import Conflict, Gone, InvalidRequest, NotFound, RuleBroken, ShopError

from . import selectors
from .models import CheckIn

logger = logging.getLogger(__name__)

ADMITTED = "admitted"
MAX_CODE_LENGTH = Ticket._meta.get_field("code").max_length
MAX_DOOR_LENGTH = CheckIn._meta.get_field("door").max_length


@dataclass(frozen=True)
class Admission:
    """What the door shows for a ticket let in."""

    event_id: int
    place: str
    door: str
    checked_in_at: datetime
    zone: str


def check_in_ticket(*, event_id: int, code: str, door: str, user) -> Admission:
    """Admits the ticket with `code` to the event at `door`, or raises: 404 `unknown_code` (no
    such ticket), 422 `wrong_event`, 410 `ticket_cancelled`, 409 `already_checked_in` (with
    `checked_in_at` and `door` of the first scan). Every scan is counted by its result."""
    try:
        admission = _admit(event_id=event_id, code=code, door=door, user=user)
    except ShopError as exc:
        metrics.CHECKIN_SCANS.labels(exc.code).inc()
        logger.info("check-in refused event=%s door=%s code=%s", event_id, door, exc.code)
        raise
    metrics.CHECKIN_SCANS.labels(ADMITTED).inc()
    return admission


def _admit(*, event_id, code, door, user) -> Admission:
    door = _door(door)
    event = selectors.event_at_the_door(event_id)
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        # No ticket has such a code: the same answer as any other stranger's code.
        raise NotFound(_("This code is not a ticket."), code="unknown_code")
    with transaction.atomic(durable=True):
        ticket = bookings_selectors.ticket_at_the_door(code, lock=True)
        if ticket is None:
            raise NotFound(_("This code is not a ticket."), code="unknown_code")
        _check_ticket(ticket, event)
        check_in = _first_or_existing(ticket, door, user)
    return Admission(
        event_id=event.pk,
        place=ticket.event_seat.seat.label,
        door=check_in.door,
        checked_in_at=check_in.checked_in_at,
        zone=event.venue.time_zone,
    )


def _door(door) -> str:
    door = (door or "").strip() if isinstance(door, str) else ""
    if not door or len(door) > MAX_DOOR_LENGTH:
        message = _("Name the door in 1 to %(max)s characters.") % {"max": MAX_DOOR_LENGTH}
        raise InvalidRequest(message, code="validation_error", fields={"door": [message]})
    return door


def _check_ticket(ticket: Ticket, event) -> None:
    booking = ticket.booking
    if booking.event_id != event.pk:
        other = booking.event
        raise RuleBroken(
            _("This ticket is for another event: %(event)s, %(starts_at)s.")
            % {
                "event": other.title,
                "starts_at": selectors.local_time(other.starts_at, other.venue.time_zone),
            },
            code="wrong_event",
        )
    if ticket.status != Ticket.Status.VALID or booking.status != Booking.Status.CONFIRMED:
        raise Gone(_("This ticket was cancelled."), code="ticket_cancelled")


def _first_or_existing(ticket: Ticket, door: str, user) -> CheckIn:
    existing = CheckIn.objects.filter(ticket=ticket).first()
    if existing is None:
        try:
            with transaction.atomic():
                return CheckIn.objects.create(ticket=ticket, door=door, checked_in_by=user)
        except IntegrityError:
            # Only reachable if the row lock was bypassed: the unique ticket still decides.
            existing = CheckIn.objects.get(ticket=ticket)
    when = selectors.local_time(existing.checked_in_at, ticket.booking.event.venue.time_zone)
    raise Conflict(
        _("Already checked in at %(when)s, door %(door)s.") % {"when": when, "door": existing.door},
        code="already_checked_in",
        checked_in_at=existing.checked_in_at.isoformat(),
        checked_in_at_local=when,
        door=existing.door,
        place=ticket.event_seat.seat.label,
    )
