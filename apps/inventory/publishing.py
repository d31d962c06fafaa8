"""Putting an event's seats on sale and re-pricing them: the catalogue (apps.events) decides
the event's state and the tier of each place; this module creates and re-prices the event
seats, in the same transaction as the event's change."""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import RuleBroken
from apps.events import services as event_services
from apps.events.models import Event

from . import seats, selectors

logger = logging.getLogger(__name__)


def publish_event(*, event_id: int) -> Event:
    """Puts a draft event on sale: creates one EventSeat per venue seat (set-based), priced by
    the tier assignments (row beats section; unassigned seats get the cheapest tier).

    The returned event carries `seats_created` and `tiers_without_seats` (the names of tiers no
    seat sells at: staff are warned, publishing is not refused)."""
    with transaction.atomic():
        event = event_services.lock_event_to_publish(event_id)
        created = seats.create_event_seats(event, event_services.tier_resolver(event))
        event_services.mark_on_sale(event)
        event.tiers_without_seats = selectors.tiers_without_seats(event.pk)
    event.seats_created = created
    logger.info("event published event=%s seats=%s", event.pk, created)
    return event


def apply_tier_assignments(*, event_id: int) -> int:
    """Re-prices the available seats of an event on sale from its tier assignments; returns how
    many changed (held and sold seats keep their price: apps.inventory.seats.reprice_available)."""
    with transaction.atomic():
        event = event_services.get_event(event_id)
        if event.status != Event.Status.ON_SALE:
            raise RuleBroken(
                _(
                    "Only an event on sale has seats to re-price; a draft gets its tiers when it "
                    "is published."
                ),
                code="event_not_on_sale",
            )
        changed = seats.reprice_available(event, event_services.tier_resolver(event))
    logger.info("tier assignments applied event=%s seats=%s", event.pk, changed)
    return changed
