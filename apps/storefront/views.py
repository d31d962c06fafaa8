"""Buyer pages of the catalog: the event list with search, and the event page with its seat map.
Thin: reads come from selectors, and every rule about seats is the hold service's."""

import logging
from datetime import date

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.common.parsing import ascii_int
from apps.common.views import bad_request
from apps.events import selectors as event_selectors
from apps.inventory import selectors as inventory_selectors
from apps.waitingroom import passes

from . import selectors

logger = logging.getLogger(__name__)

EVENTS_PER_PAGE = 12
# How often an open event page asks for fresh availability.
AVAILABILITY_REFRESH_SECONDS = 5


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_GET
def event_list(request):
    if any("\x00" in value for value in request.GET.values()):
        # PostgreSQL cannot store or compare text with NUL in it.
        return bad_request(request, message=_("The search contains a character we cannot read."))
    q = (request.GET.get("q") or "").strip()
    city = (request.GET.get("city") or "").strip()
    raw_from, raw_to = request.GET.get("date_from"), request.GET.get("date_to")
    date_from, date_to = _parse_date(raw_from), _parse_date(raw_to)
    bad_dates = bool(raw_from and not date_from) or bool(raw_to and not date_to)
    # "From" after "To" finds nothing: what the buyer meant is the range between them.
    dates_swapped = bool(date_from and date_to and date_from > date_to)
    if dates_swapped:
        date_from, date_to = date_to, date_from

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
            "dates_swapped": dates_swapped,
            "filtered": bool(q or city or date_from or date_to),
            "filter_query": query.urlencode(),
        },
    )


def _preselected_seat_ids(request) -> list[int]:
    """Seats the buyer picked before being sent to log in (?seats=12,13); only a hint for the
    page, which keeps those still available selected."""
    parts = (request.GET.get("seats") or "").split(",")[:100]
    return [number for number in map(ascii_int, parts) if number is not None]


def _int_param(request, name, *, default):
    return ascii_int(request.GET.get(name, ""), default)


@require_GET
def event_detail(request, slug):
    event = event_selectors.get_public_event(slug=slug)
    if event is None:
        raise Http404("No such event")
    tiers = list(event.price_tiers.all())
    # The map itself is drawn by the page's script from the layout and availability answers
    # of the API (apps.inventory.seat_map): cacheable, and the same for every buyer.
    layout = selectors.seat_layout(event.id)
    availability = selectors.seat_availability(event.id)
    sections, counts, areas = [], {"available": 0, "held": 0, "sold": 0}, []
    if layout is not None:
        sections = list(layout.sections)
        available, held, sold = availability.counts
        counts = {"available": available, "held": held, "sold": sold}
        areas = selectors.standing_areas(layout, availability, tiers)
    hold = inventory_selectors.active_hold_for(user=request.user, event_id=event.id)
    now = timezone.now()
    # The availability answer is everybody's and says "held"; the map marks these as yours.
    mine = [line["id"] for line in inventory_selectors.hold_seat_lines(hold)] if hold else []
    return render(
        request,
        "storefront/detail.html",
        {
            "event": event,
            "tiers": tiers,
            "sections": sections,
            "areas": areas,
            "counts": counts,
            "hold": hold,
            "has_queue_pass": passes.cookie_name(event.id) in request.COOKIES,
            "sales_not_started": bool(event.sales_start and event.sales_start > now),
            # "Best available" as the buyer filled it in before being sent to log in.
            "best": {
                "quantity": _int_param(request, "quantity", default=2),
                "section": request.GET.get("section", ""),
                "area": request.GET.get("area", ""),
                "price_tier": _int_param(request, "price_tier", default=None),
            },
            "seat_data": {
                "event": event.id,
                "currency": event.currency,
                "maxSeats": event.max_seats_per_order,
                "refreshSeconds": AVAILABILITY_REFRESH_SECONDS,
                "layoutUrl": layout
                and reverse("api-event-layout", args=[event.id]) + f"?v={layout.version}",
                "availabilityUrl": reverse("api-event-availability", args=[event.id]),
                "preselected": _preselected_seat_ids(request),
                "mine": mine,
                "mineSeconds": max(0, (hold.expires_at - now).total_seconds()) if hold else 0,
            },
        },
    )
