"""Reads of seat inventory shared by the API, the pages and the admin."""

from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.functions import Now

from .models import EventSeat

PUBLIC_AVAILABLE = "available"
PUBLIC_HELD = "held"
PUBLIC_SOLD = "sold"


def public_status_expression():
    """available / held / sold as a buyer sees it, decided by the database clock: a seat whose
    hold has expired is available even before the sweeper has run."""
    return Case(
        When(status=EventSeat.Status.SOLD, then=Value(PUBLIC_SOLD)),
        When(Q(status=EventSeat.Status.HELD) & Q(held_until__gt=Now()), then=Value(PUBLIC_HELD)),
        default=Value(PUBLIC_AVAILABLE),
        output_field=CharField(),
    )


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
