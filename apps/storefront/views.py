"""Buyer pages of the catalog: the event list with search, and the event page with its seat map.
Thin: reads come from selectors, and every rule about seats is the hold service's."""

import logging
from datetime import date

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.events import selectors as event_selectors
from apps.inventory import selectors as inventory_selectors

logger = logging.getLogger(__name__)

EVENTS_PER_PAGE = 12
# The availability feed is polled by every open event page; during a rush a 2-second shared
# cache turns thousands of polls per event into one seat-map query per event every 2 seconds.
AVAILABILITY_CACHE_SECONDS = 2
# How often an open event page asks for fresh availability.
AVAILABILITY_REFRESH_SECONDS = 5


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_GET
def event_list(request):
    q = (request.GET.get("q") or "").strip()
    city = (request.GET.get("city") or "").strip()
    raw_from, raw_to = request.GET.get("date_from"), request.GET.get("date_to")
    date_from, date_to = _parse_date(raw_from), _parse_date(raw_to)
    bad_dates = bool(raw_from and not date_from) or bool(raw_to and not date_to)

    events = event_selectors.search_events(
        q=q or None, city=city or None, date_from=date_from, date_to=date_to
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    counts = inventory_selectors.seat_counts([event.id for event in page.object_list])
    cards = [(event, counts.get(event.id)) for event in page.object_list]

    # Pagination links keep the filters.
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "storefront/list.html",
        {
            "page": page,
            "cards": cards,
            "q": q,
            "city": city,
            "date_from": date_from,
            "date_to": date_to,
            "bad_dates": bad_dates,
            "filtered": bool(q or city or date_from or date_to),
            "filter_query": query.urlencode(),
        },
    )


def _preselected_seat_ids(request) -> list[int]:
    """Seats the buyer picked before being sent to log in (?seats=12,13); only a hint for the
    page, which keeps those still available selected."""
    ids = []
    for part in (request.GET.get("seats") or "").split(",")[:100]:
        if part.strip().isdigit():
            ids.append(int(part))
    return ids


def _int_param(request, name, *, default):
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else default


def _seat_rows(seat_map: list[dict]) -> list[list]:
    """The seat map as compact rows for the page's script (hundreds to thousands of seats)."""
    return [
        [
            s["id"],
            s["section"],
            s["row"],
            s["number"],
            s["x"],
            s["y"],
            str(s["price"]),
            s["price_tier_id"],
            s["public_status"],
        ]
        for s in seat_map
    ]


@require_GET
def event_detail(request, slug):
    event = event_selectors.get_public_event(slug=slug)
    if event is None:
        raise Http404("No such event")
    tiers = list(event.price_tiers.all())
    seat_map = inventory_selectors.event_seat_map(event.id)
    hold = inventory_selectors.active_hold_for(user=request.user, event_id=event.id)
    sections = sorted({s["section"] for s in seat_map})
    counts = {"available": 0, "held": 0, "sold": 0}
    for seat in seat_map:
        counts[seat["public_status"]] += 1
    now = timezone.now()
    return render(
        request,
        "storefront/detail.html",
        {
            "event": event,
            "tiers": tiers,
            "sections": sections,
            "counts": counts,
            "hold": hold,
            "sales_not_started": bool(event.sales_start and event.sales_start > now),
            # "Best available" as the buyer filled it in before being sent to log in.
            "best": {
                "quantity": _int_param(request, "quantity", default=2),
                "section": request.GET.get("section", ""),
                "price_tier": _int_param(request, "price_tier", default=None),
            },
            "seat_data": {
                "event": event.id,
                "currency": event.currency,
                "maxSeats": event.max_seats_per_order,
                "refreshSeconds": AVAILABILITY_REFRESH_SECONDS,
                "tiers": {t.id: {"name": t.name, "colour": t.colour} for t in tiers},
                "seats": _seat_rows(seat_map),
                "preselected": _preselected_seat_ids(request),
            },
        },
    )


def _availability(event_id: int) -> dict:
    held, sold = [], []
    for seat in inventory_selectors.event_seat_map(event_id):
        if seat["public_status"] == inventory_selectors.PUBLIC_HELD:
            held.append(seat["id"])
        elif seat["public_status"] == inventory_selectors.PUBLIC_SOLD:
            sold.append(seat["id"])
    return {"event": event_id, "held": held, "sold": sold, "at": timezone.now().isoformat()}


@require_GET
def event_availability(request, event_id):
    """Which seats of an event are held or sold right now (every other seat is available)."""
    key = f"seat-availability:{event_id}"
    try:
        data = cache.get(key)
    except Exception:  # noqa: BLE001 - Redis down: the database answers, just uncached.
        logger.warning("availability cache unreachable event=%s", event_id)
        data, key = None, None
    if data is None:
        if not event_selectors.public_event_exists(event_id):
            raise Http404("No such event")
        data = _availability(event_id)
        if key is not None:
            try:
                cache.set(key, data, AVAILABILITY_CACHE_SECONDS)
            except Exception:  # noqa: BLE001
                logger.warning("availability cache unreachable event=%s", event_id)
    response = JsonResponse(data)
    response["Cache-Control"] = f"max-age={AVAILABILITY_CACHE_SECONDS}"
    return response
