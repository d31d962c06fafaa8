"""Reads of seat inventory shared by the API, the pages and the admin."""

import uuid

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from apps.common.errors import NotFound
from apps.events.models import PriceTier

from .availability import free_seat_q
from .models import EventSeat, Hold, place_label

PUBLIC_AVAILABLE = "available"
PUBLIC_HELD = "held"
PUBLIC_SOLD = "sold"


def public_status_expression():
    """available / held / sold as a buyer sees it, decided by the database clock: a seat whose
    hold has expired is available even before the sweeper has run."""
    return Case(
        When(free_seat_q(), then=Value(PUBLIC_AVAILABLE)),
        When(status=EventSeat.Status.SOLD, then=Value(PUBLIC_SOLD)),
        default=Value(PUBLIC_HELD),
        output_field=CharField(),
    )


def live_held_q() -> Q:
    """Seats held by a hold that has not run out: neither free nor sold."""
    return ~free_seat_q() & ~Q(status=EventSeat.Status.SOLD)


def event_seat_map(event_id: int) -> list[dict]:
    """Every seat of an event with its position, price and public status, in one query."""
    return list(
        EventSeat.objects.filter(event_id=event_id)
        .annotate(
            public_status=public_status_expression(),
            section=F("seat__section"),
            row=F("seat__row"),
            number=F("seat__number"),
            x=F("seat__x"),
            y=F("seat__y"),
            price=F("price_tier__price"),
        )
        .order_by("seat__section", "seat__y", "seat__x")
        .values(
            "id",
            "section",
            "row",
            "number",
            "x",
            "y",
            "price",
            "price_tier_id",
            "public_status",
        )
    )


def seat_counts(event_ids) -> dict[int, dict[str, int]]:
    """{event_id: {"available": n, "held": n, "sold": n}} for many events in one query."""

    rows = (
        EventSeat.objects.filter(event_id__in=list(event_ids))
        .annotate(public_status=public_status_expression())
        .values("event_id", "public_status")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        bucket = counts.setdefault(
            row["event_id"], {PUBLIC_AVAILABLE: 0, PUBLIC_HELD: 0, PUBLIC_SOLD: 0}
        )
        bucket[row["public_status"]] = row["n"]
    return counts


def _hold_uuid(hold_id):
    try:
        return uuid.UUID(str(hold_id))
    except ValueError:
        return None


def get_hold_for_user(*, user, hold_id) -> Hold:
    """The buyer's own hold with its seats; another buyer's hold is a plain 404."""
    hold_uuid = _hold_uuid(hold_id)
    hold = (
        Hold.objects.filter(pk=hold_uuid, user=user)
        .select_related("event__venue")
        .annotate(
            is_expired=Case(
                When(expires_at__lte=Now(), then=True), default=False, output_field=BooleanField()
            )
        )
        .first()
        if hold_uuid
        else None
    )
    if hold is None:
        raise NotFound(_("There is no such hold."), code="hold_not_found")
    hold.seat_lines = hold_seat_lines(hold)
    return hold


def active_hold_for(*, user, event_id) -> Hold | None:
    """The buyer's live hold on this event, if any (an expired one doesn't count)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Hold.objects.filter(
            user=user, event_id=event_id, status=Hold.Status.ACTIVE, expires_at__gt=Now()
        )
        .select_related("event")
        .first()
    )


def hold_seat_lines(hold: Hold) -> list[dict]:
    """The seats a hold has now, with prices and what to show for each: one query."""
    lines = list(
        EventSeat.objects.filter(hold=hold, status=EventSeat.Status.HELD)
        .order_by("seat__section", "seat__y", "seat__x", "seat__number")
        .values(
            "id",
            section=F("seat__section"),
            row=F("seat__row"),
            number=F("seat__number"),
            standing=F("seat__standing"),
            price=F("price_tier__price"),
            tier=F("price_tier__name"),
        )
    )
    for line in lines:
        line["label"] = place_label(line["section"], line["row"], line["number"], line["standing"])
    return lines


def hold_public_status(hold: Hold) -> str:
    expired = getattr(hold, "is_expired", False)
    if hold.status == Hold.Status.ACTIVE and expired:
        return Hold.Status.EXPIRED
    return hold.status


def held_seat_prices(hold: Hold) -> dict[int, object]:
    """{event seat id: price} of the seats the hold has now (checkout's total)."""
    return dict(
        EventSeat.objects.filter(hold=hold, status=EventSeat.Status.HELD).values_list(
            "id", "price_tier__price"
        )
    )


def tiers_without_seats(event_id: int) -> list[str]:
    """Names of the event's price tiers that no event seat sells at, cheapest first."""
    seated = EventSeat.objects.filter(event_id=event_id, price_tier_id=OuterRef("pk"))
    return list(
        PriceTier.objects.filter(event_id=event_id)
        .exclude(Exists(seated))
        .order_by("price", "name")
        .values_list("name", flat=True)
    )
