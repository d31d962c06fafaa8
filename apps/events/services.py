"""Writes of the catalogue: the state of an event (on sale, cancelled) and the price tiers its
seats get. Seats themselves are inventory's: publishing, re-pricing and layouts live in
apps.inventory and call these; cancelling an event is apps.bookings' (it must know there are no
confirmed bookings)."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import NotFound, RuleBroken

from .models import Event, PriceTier, TierAssignment, Venue
from .sale_facts import forget_sale_facts

logger = logging.getLogger(__name__)


def get_event(event_id, *, lock: bool = False) -> Event:
    """The event with its venue; `lock` row-locks it (FOR UPDATE) in the caller's transaction."""
    queryset = Event.objects.select_related("venue")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=event_id)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such event."), code="event_not_found") from None


def tier_resolver(event: Event):
    """A function (section, row) -> price tier id from the event's tier assignments: a row's
    tier beats its section's; places without one get the cheapest tier."""
    tiers = list(event.price_tiers.all())
    if not tiers:
        raise RuleBroken(_("Add at least one price tier before publishing."), code="no_price_tiers")
    cheapest = min(tiers, key=lambda t: (t.price, t.pk))
    by_row, by_section = {}, {}
    # price_tier__event guards against an assignment pointing at another event's tier.
    for a in TierAssignment.objects.filter(event=event, price_tier__event=event):
        if a.row:
            by_row[(a.section, a.row)] = a.price_tier_id
        else:
            by_section[a.section] = a.price_tier_id

    def resolve(section: str, row: str) -> int:
        return by_row.get((section, row)) or by_section.get(section) or cheapest.pk

    return resolve


def lock_event_to_publish(event_id) -> Event:
    """Row-locks a draft event that may go on sale, in the caller's transaction."""
    event = get_event(event_id, lock=True)
    if event.status == Event.Status.ON_SALE:
        raise RuleBroken(_("This event is already on sale."), code="already_published")
    if event.status == Event.Status.CANCELLED:
        raise RuleBroken(_("A cancelled event cannot be published."), code="event_cancelled")
    if event.starts_at <= timezone.now():
        raise RuleBroken(_("This event has already started."), code="event_started")
    return event


def mark_on_sale(event: Event) -> Event:
    """The event goes on sale now (sales start now unless a start was set)."""
    now = timezone.now()
    event.status = Event.Status.ON_SALE
    event.published_at = now
    if event.sales_start is None:
        event.sales_start = now
    event.save(update_fields=["status", "published_at", "sales_start", "updated_at"])
    transaction.on_commit(lambda: forget_sale_facts(event.pk))
    return event


def lock_event_to_cancel(event_id) -> Event:
    """Row-locks an event that may be cancelled, in the caller's transaction."""
    event = get_event(event_id, lock=True)
    if event.status == Event.Status.CANCELLED:
        raise RuleBroken(_("This event is already cancelled."), code="already_cancelled")
    return event


def mark_cancelled(event: Event) -> Event:
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: forget_sale_facts(event.pk))
    return event


def set_waiting_room(event_id, on: bool) -> None:
    """Whether holds for the event need a waiting-room pass (apps.waitingroom calls this in the
    transaction that switches its room on or off). Other processes see it within the sale
    facts' second."""
    Event.objects.filter(pk=event_id).update(waiting_room=on, updated_at=timezone.now())
    transaction.on_commit(lambda: forget_sale_facts(event_id))


# --- Setting up the catalogue in code (seed_demo, the benchmark, tests); staff use the admin -----


def get_or_create_venue(
    *, name: str, city: str, address: str = "", time_zone: str = "UTC"
) -> tuple[Venue, bool]:
    venue = Venue.objects.filter(name=name, city=city).first()
    if venue is not None:
        return venue, False
    venue = Venue(name=name, city=city, address=address, time_zone=time_zone)
    venue.full_clean()
    venue.save()
    return venue, True


def create_draft_event(*, venue: Venue, **fields) -> Event:
    """A draft event at the venue; `fields` are Event's own (title, slug, starts_at, ...)."""
    event = Event(venue=venue, status=Event.Status.DRAFT, **fields)
    event.full_clean()
    event.save()
    return event


# Okabe and Ito's palette, safe for the common colour-vision deficiencies, ordered by contrast
# against the seat map's white (the first four reach 3:1); none is the map's grey of held or sold
# seats, nor the near-black of a selected one. Each new tier of an event gets the next unused.
TIER_PALETTE = (
    "#0072b2",  # blue
    "#d55e00",  # vermillion
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#e69f00",  # orange
    "#56b4e9",  # sky blue
    "#f0e442",  # yellow
)


def next_tier_colour(used) -> str:
    """The first palette colour not in `used`; past the palette, round again."""
    taken = {c.lower() for c in used}
    for colour in TIER_PALETTE:
        if colour not in taken:
            return colour
    return TIER_PALETTE[len(taken) % len(TIER_PALETTE)]


def tier_colours_in_use(event_id) -> list[str]:
    return list(PriceTier.objects.filter(event_id=event_id).values_list("colour", flat=True))


def add_price_tier(*, event: Event, name: str, price, colour: str | None = None) -> PriceTier:
    tier = PriceTier(event=event, name=name, price=price)
    tier.colour = colour or next_tier_colour(tier_colours_in_use(event.pk))
    tier.full_clean()
    tier.save()
    return tier


def assign_tiers(*, event: Event, places: list[tuple[PriceTier, str, str]]) -> int:
    """Gives each (tier, section, row) place its tier; row "" means the whole section."""
    created = TierAssignment.objects.bulk_create(
        [
            TierAssignment(event=event, price_tier=tier, section=section, row=row)
            for tier, section, row in places
        ]
    )
    return len(created)
