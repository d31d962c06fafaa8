"""The sales dashboard of one event, for staff: seats, sell-through, revenue by price tier,
holds about to expire, bookings and payments, tickets checked in per door. Eight queries,
whatever the size of the sale.

Held and expiring are decided by the database clock, like everywhere else: a hold whose time
has passed no longer counts as held, whether or not the sweeper has run (it shows as
"overdue" until it has)."""

import math
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, Now, TruncMinute
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.bookings.models import Booking, Ticket
from apps.checkin.selectors import check_in_counts
from apps.common.errors import NotFound
from apps.events.models import Event
from apps.inventory.models import EventSeat, Hold
from apps.inventory.selectors import (
    PUBLIC_AVAILABLE,
    PUBLIC_HELD,
    PUBLIC_SOLD,
    live_held_q,
    seat_counts,
)
from apps.payments.models import Payment, Refund

# "Expiring within" columns of the holds panel, in minutes.
EXPIRY_HORIZONS = (1, 5, 10)
SELL_THROUGH_POINTS = 48

_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _money(expression):
    return Coalesce(expression, _ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _tiers(event_id: int) -> list[dict]:
    held_now = live_held_q()
    rows = (
        EventSeat.objects.filter(event_id=event_id)
        .values(
            "price_tier_id",
            name=F("price_tier__name"),
            price=F("price_tier__price"),
            colour=F("price_tier__colour"),
        )
        .annotate(
            seats=Count("id", distinct=True),
            sold=Count("id", filter=Q(status=EventSeat.Status.SOLD), distinct=True),
            held=Count("id", filter=held_now, distinct=True),
            # An event seat has at most one valid ticket (a database constraint): no double sum.
            revenue=_money(Sum("tickets__price", filter=Q(tickets__status=Ticket.Status.VALID))),
        )
        .order_by("-price", "name")
    )
    return [{**row, "sold_percent": _percent(row["sold"], row["seats"])} for row in rows]


def _sell_through(event_id: int, total_seats: int, now) -> list[dict]:
    """Cumulative tickets sold (still valid) over time, from the first sale to now."""
    per_minute = list(
        Ticket.objects.filter(
            booking__event_id=event_id,
            status=Ticket.Status.VALID,
            booking__confirmed_at__isnull=False,
        )
        .annotate(minute=TruncMinute("booking__confirmed_at"))
        .values("minute")
        .annotate(n=Count("id"))
        .order_by("minute")
    )
    if not per_minute:
        return []
    start = per_minute[0]["minute"]
    end = max(now, per_minute[-1]["minute"]) + timedelta(minutes=1)
    span = max(1, math.ceil((end - start).total_seconds() / 60))
    step = max(1, math.ceil(span / SELL_THROUGH_POINTS))
    points = math.ceil(span / step)
    sold = [0] * points
    for row in per_minute:
        sold[int((row["minute"] - start).total_seconds() // 60) // step] += row["n"]
    series, running = [], 0
    for index, n in enumerate(sold):
        running += n
        series.append(
            {
                "at": start + timedelta(minutes=(index + 1) * step),
                "sold": running,
                "percent": _percent(running, total_seats),
            }
        )
    return series


def _holds(event_id: int) -> dict:
    live = Q(expires_at__gt=Now())
    counts = {
        "active": Count("id", filter=live),
        "overdue": Count("id", filter=Q(expires_at__lte=Now())),
    }
    for minutes in EXPIRY_HORIZONS:
        counts[f"expiring_{minutes}"] = Count(
            "id", filter=live & Q(expires_at__lte=Now() + timedelta(minutes=minutes))
        )
    totals = Hold.objects.filter(event_id=event_id, status=Hold.Status.ACTIVE).aggregate(**counts)
    return {
        "active": totals["active"],
        "overdue": totals["overdue"],
        "expiring": [{"minutes": m, "holds": totals[f"expiring_{m}"]} for m in EXPIRY_HORIZONS],
    }


def _bookings(event_id: int) -> dict:
    return Booking.objects.filter(event_id=event_id).aggregate(
        **{status.value: Count("id", filter=Q(status=status.value)) for status in Booking.Status}
    )


def _payments(event_id: int) -> dict:
    status = Payment.Status
    # An Exists, not a join: a payment may have several refunds, and a join would count its
    # amount once per refund.
    outstanding = Refund.objects.filter(payment_id=OuterRef("pk"), status__in=["pending", "failed"])
    payments = Payment.objects.filter(booking__event_id=event_id)
    return payments.annotate(refund_outstanding=Exists(outstanding)).aggregate(
        succeeded=Count("id", filter=Q(status=status.SUCCEEDED)),
        succeeded_amount=_money(Sum("amount", filter=Q(status=status.SUCCEEDED))),
        pending=Count("id", filter=Q(status=status.PENDING)),
        declined=Count("id", filter=Q(status=status.DECLINED)),
        failed=Count("id", filter=Q(status=status.FAILED)),
        refunded=Count("id", filter=Q(status=status.REFUNDED)),
        refunded_amount=_money(Sum("amount", filter=Q(status=status.REFUNDED))),
        # A refund the gateway has not completed yet (retried by beat): staff should know.
        refunds_outstanding=Count("id", filter=Q(refund_outstanding=True)),
    )


def _check_ins(event_id: int, sold: int) -> dict:
    counts = check_in_counts(event_id)
    return {
        "total": counts["total"],
        "percent": _percent(counts["total"], sold),
        "doors": [
            {**door, "percent": _percent(door["checked_in"], sold)} for door in counts["doors"]
        ],
    }


def sales_dashboard(*, event_id, now=None) -> dict:
    """Everything the sales dashboard shows for one event."""
    now = now or timezone.now()
    event = Event.objects.filter(pk=event_id).select_related("venue").first()
    if event is None:
        raise NotFound(_("There is no such event."), code="event_not_found")
    counts = seat_counts([event.pk]).get(
        event.pk, {PUBLIC_AVAILABLE: 0, PUBLIC_HELD: 0, PUBLIC_SOLD: 0}
    )
    total = sum(counts.values())
    tiers = _tiers(event.pk)
    return {
        "event": event,
        "seats": {
            "total": total,
            "available": counts[PUBLIC_AVAILABLE],
            "held": counts[PUBLIC_HELD],
            "sold": counts[PUBLIC_SOLD],
            "sold_percent": _percent(counts[PUBLIC_SOLD], total),
            "held_percent": _percent(counts[PUBLIC_HELD], total),
        },
        "tiers": tiers,
        "revenue": sum((t["revenue"] for t in tiers), Decimal("0")),
        "sell_through": _sell_through(event.pk, total, now),
        "holds": _holds(event.pk),
        "bookings": _bookings(event.pk),
        "payments": _payments(event.pk),
        "check_ins": _check_ins(event.pk, counts[PUBLIC_SOLD]),
    }
