"""Reads of the seat-lock contention history (LockStat rows) for the admin and the monitoring
API. Every function runs a fixed number of queries, whatever the amount of data.

Figures per window (an event, a section, a seat, or one point of a time series):
attempts = acquired + failed (Redis lock attempts), degraded (holds made without Redis),
contention_rate = failed / attempts, avg and P95 lock wait, average time a lock was held."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, FloatField, IntegerField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.errors import InvalidRequest, NotFound
from apps.common.parsing import ascii_int, is_ascii_digits
from apps.events.models import Event
from apps.inventory.lockstats import WAIT_BUCKET_COLUMNS, WAIT_BUCKETS_MS
from apps.inventory.models import EventSeat, LockStat, place_label

# The windows offered to staff, in minutes.
WINDOWS = {
    15: gettext_lazy("15 minutes"),
    60: gettext_lazy("1 hour"),
    360: gettext_lazy("6 hours"),
    1440: gettext_lazy("24 hours"),
    10080: gettext_lazy("7 days"),
}
DEFAULT_WINDOW = 60
MAX_WINDOW = 10080
# A time series has at most this many points; minutes are merged into wider buckets past it.
MAX_POINTS = 60

_INT_COLUMNS = ("attempts", "acquired", "failed", "degraded", *WAIT_BUCKET_COLUMNS)
_FLOAT_COLUMNS = ("wait_ms_total", "held_ms_total")
_ALL_COLUMNS = _INT_COLUMNS + _FLOAT_COLUMNS


def _sums() -> dict:
    """Sum of every counter column, as s_<column> (a name that can't clash with a field)."""
    sums = {f"s_{c}": Coalesce(Sum(c), Value(0), output_field=IntegerField()) for c in _INT_COLUMNS}
    sums.update(
        {f"s_{c}": Coalesce(Sum(c), Value(0.0), output_field=FloatField()) for c in _FLOAT_COLUMNS}
    )
    return sums


def _empty() -> dict:
    return dict.fromkeys(_ALL_COLUMNS, 0)


def _add(into: dict, row: dict) -> dict:
    for c in _ALL_COLUMNS:
        into[c] += row.get(f"s_{c}", row.get(c, 0)) or 0
    return into


def percentile_ms(buckets: list[int], q: float = 0.95) -> float | None:
    """The q-quantile of a wait histogram (counts per WAIT_BUCKETS_MS bound, then +Inf),
    interpolated linearly inside its bucket as Prometheus' histogram_quantile does. A quantile
    that falls in the +Inf bucket is reported as the highest finite bound."""
    total = sum(buckets)
    if not total:
        return None
    rank = q * total
    seen, lower = 0, 0.0
    for bound, count in zip((*WAIT_BUCKETS_MS, math.inf), buckets, strict=True):
        if count and seen + count >= rank:
            if bound == math.inf:
                return float(WAIT_BUCKETS_MS[-1])
            return round(lower + (bound - lower) * (rank - seen) / count, 3)
        seen += count
        lower = float(bound)
    return float(WAIT_BUCKETS_MS[-1])


def figures(sums: dict) -> dict:
    """The published figures of one window from its summed columns."""
    attempts = sums["attempts"]
    acquired = sums["acquired"]
    return {
        "attempts": attempts,
        "acquired": acquired,
        "failed": sums["failed"],
        "degraded": sums["degraded"],
        "contention_rate": round(sums["failed"] / attempts, 4) if attempts else None,
        "avg_wait_ms": round(sums["wait_ms_total"] / attempts, 3) if attempts else None,
        "p95_wait_ms": percentile_ms([sums[c] for c in WAIT_BUCKET_COLUMNS]),
        "avg_held_ms": round(sums["held_ms_total"] / acquired, 3) if acquired else None,
    }


@dataclass(frozen=True)
class Window:
    minutes: int
    start: datetime
    end: datetime

    @property
    def step_minutes(self) -> int:
        return max(1, math.ceil(self.minutes / MAX_POINTS))

    def as_dict(self) -> dict:
        return {"minutes": self.minutes, "start": self.start, "end": self.end}


def window(minutes=None, *, now=None) -> Window:
    """The last `minutes` whole minutes, the current one included."""
    if minutes in (None, ""):
        minutes = DEFAULT_WINDOW
    if isinstance(minutes, str):
        minutes = ascii_int(minutes, 0)
    elif not isinstance(minutes, int) or isinstance(minutes, bool):
        minutes = 0
    if not 1 <= minutes <= MAX_WINDOW:
        raise InvalidRequest(
            _("minutes must be a whole number from 1 to %(max)s.") % {"max": MAX_WINDOW},
            code="invalid_window",
        )
    now = now or timezone.now()
    this_minute = now.replace(second=0, microsecond=0)
    return Window(
        minutes=minutes,
        start=this_minute - timedelta(minutes=minutes - 1),
        end=this_minute + timedelta(minutes=1),
    )


def _series(per_minute: list[dict], win: Window) -> list[dict]:
    """Per-minute sums merged into at most MAX_POINTS buckets covering the whole window, empty
    buckets included (a chart needs its quiet minutes too)."""
    step = win.step_minutes
    count = math.ceil(win.minutes / step)
    buckets = [_empty() for _ in range(count)]
    for row in per_minute:
        index = int((row["window_start"] - win.start).total_seconds() // 60) // step
        if 0 <= index < count:
            _add(buckets[index], row)
    return [
        {"start": win.start + timedelta(minutes=i * step), **figures(b)}
        for i, b in enumerate(buckets)
    ]


def _seat_label(row: dict) -> str:
    if row.get("standing"):
        return place_label(row["section"], row["row"], row["number"], True)
    return _("%(section)s row %(row)s seat %(number)s") % {
        "section": row["section"],
        "row": row["row"],
        "number": row["number"],
    }


def _seat_entry(row: dict) -> dict:
    return {
        "resource": f"seat:{row['event_seat_id']}",
        "event_id": row["event_id"],
        "event_seat_id": row["event_seat_id"],
        "section": row["section"],
        "row": row["row"],
        "number": row["number"],
        "label": _seat_label(row),
        **figures(_add(_empty(), row)),
    }


def _hottest_first(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: (-e["failed"], -e["attempts"], -e["degraded"]))


def _in_window(win: Window):
    return LockStat.objects.filter(window_start__gte=win.start, window_start__lt=win.end)


def _hottest_seats(stats, limit: int) -> list[dict]:
    rows = (
        stats.values(
            "event_id",
            "event_seat_id",
            section=F("event_seat__seat__section"),
            row=F("event_seat__seat__row"),
            number=F("event_seat__seat__number"),
            standing=F("event_seat__seat__standing"),
        )
        .annotate(**_sums())
        .order_by("-s_failed", "-s_attempts", "-s_degraded", "event_seat_id")[:limit]
    )
    return [_seat_entry(row) for row in rows]


def event_contention(*, event_id, minutes=None, top: int = 20, now=None) -> dict:
    """One event over a window: totals, a time series, sections and the hottest seats, hottest
    first. Four queries."""
    win = window(minutes, now=now)
    event = Event.objects.filter(pk=event_id).select_related("venue").first()
    if event is None:
        raise NotFound(_("There is no such event."), code="event_not_found")
    stats = _in_window(win).filter(event_id=event.pk)
    per_minute = list(stats.values("window_start").annotate(**_sums()).order_by("window_start"))
    sections = [
        {"section": row["section"], **figures(_add(_empty(), row))}
        for row in stats.values(section=F("event_seat__seat__section"))
        .annotate(**_sums())
        .order_by("section")
    ]
    totals = _empty()
    for row in per_minute:
        _add(totals, row)
    return {
        "event": event,
        "resource": f"event:{event.pk}",
        "window": win,
        "totals": figures(totals),
        "series": _series(per_minute, win),
        "sections": _hottest_first(sections),
        "seats": _hottest_seats(stats, top),
    }


def seat_contention(*, event_seat_id, minutes=None, now=None) -> dict:
    """One seat lock over a window: totals and a time series. Two queries."""
    win = window(minutes, now=now)
    seat = (
        EventSeat.objects.filter(pk=event_seat_id)
        .values(
            "event_id",
            section=F("seat__section"),
            row=F("seat__row"),
            number=F("seat__number"),
            standing=F("seat__standing"),
        )
        .first()
    )
    if seat is None:
        raise NotFound(_("There is no such seat."), code="resource_not_found")
    per_minute = list(
        _in_window(win)
        .filter(event_seat_id=event_seat_id)
        .values("window_start")
        .annotate(**_sums())
        .order_by("window_start")
    )
    totals = _empty()
    for row in per_minute:
        _add(totals, row)
    return {
        "resource": f"seat:{event_seat_id}",
        "event_id": seat["event_id"],
        "event_seat_id": event_seat_id,
        "label": _seat_label(seat),
        "window": win,
        "totals": figures(totals),
        "series": _series(per_minute, win),
    }


def contention_overview(*, minutes=None, event_id=None, limit: int = 20, now=None) -> dict:
    """Every event with lock activity in the window and the hottest seat locks across them
    (or one event's), hottest first. Two queries."""
    win = window(minutes, now=now)
    stats = _in_window(win)
    if event_id is not None:
        stats = stats.filter(event_id=event_id)
    events = [
        {
            "resource": f"event:{row['event_id']}",
            "event_id": row["event_id"],
            "title": row["title"],
            **figures(_add(_empty(), row)),
        }
        for row in stats.values("event_id", title=F("event__title")).annotate(**_sums()).order_by()
    ]
    return {
        "window": win,
        "events": _hottest_first(events),
        "resources": _hottest_seats(stats, limit),
    }


def resource_contention(resource: str, *, minutes=None, now=None) -> dict:
    """`event:<id>` or `seat:<event seat id>`, as named in the overview."""
    kind, _colon, ident = str(resource).partition(":")
    if not is_ascii_digits(ident) or kind not in {"event", "seat"}:
        raise NotFound(
            _("Name a resource as event:<id> or seat:<event seat id>."), code="resource_not_found"
        )
    if kind == "event":
        try:
            return {
                "kind": "event",
                **event_contention(event_id=int(ident), minutes=minutes, now=now),
            }
        except NotFound:
            raise NotFound(_("There is no such event."), code="resource_not_found") from None
    return {"kind": "seat", **seat_contention(event_seat_id=int(ident), minutes=minutes, now=now)}
