"""The buyer's pages for a hold: "Hold seats" (chosen on the map) or "Best available" from the
event page, and release or extend from checkout. Thin: the hold services decide everything,
as they do for the API (apps.inventory.apis)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.common import rate_limits
from apps.common.errors import ShopError
from apps.common.parsing import ascii_int
from apps.common.views import or_404
from apps.events import selectors as event_selectors
from apps.waitingroom.passes import cookie_name as pass_cookie

from . import holds, selectors

# The event's waiting room is on and the buyer has no valid pass, or it cannot check passes now.
ROOM_CODES = {"queue_pass_required", "waiting_room_unavailable"}

# Seats a failed hold hands back to the event page so the buyer keeps the rest of their pick.
SEAT_CODES_WITH_TAKEN_SEATS = {"seats_unavailable", "seat_busy"}


def _int_or_raw(value: str):
    """Whole numbers become ints; anything else goes to the service as typed, which refuses it
    with its own message."""
    value = (value or "").strip()
    return ascii_int(value, value)


def _event_url(event_id: int, **query) -> str:
    event = event_selectors.get_public_event(event_id=event_id)
    if event is None:
        raise Http404("No such event")
    url = event.get_absolute_url()
    query = {k: v for k, v in query.items() if v}
    return f"{url}?{urlencode(query)}" if query else url


@never_cache
@login_required
@require_GET
def hold_resume(request, event_id):
    """Where a buyer lands after logging in with seats chosen: a page that posts the same
    choice to hold_create at once (hold-resume.js; a button without JavaScript). A GET never
    holds anything itself: the hold is the POST, with its CSRF token."""
    event = event_selectors.get_public_event(event_id=event_id)
    if event is None:
        raise Http404("No such event")
    best = request.GET.get("mode") in ("best", "area")  # a quantity, of seats or places
    seats = [i for i in (ascii_int(v) for v in request.GET.get("seats", "").split(",")) if i]
    if not best and not seats:
        return redirect(event.get_absolute_url())
    fields = (
        {k: request.GET.get(k, "") for k in ("mode", "quantity", "section", "area", "price_tier")}
        if best
        else {}
    )
    return render(
        request,
        "inventory/hold_resume.html",
        {"event": event, "seats": seats, "fields": fields, "best": best},
    )


@require_POST
def hold_create(request, event_id):
    mode = request.POST.get("mode")
    best = mode in ("best", "area")  # a quantity: adjacent seats, or places in a standing area
    area = ((request.POST.get("area") or "").strip() or None) if mode == "area" else None
    seat_ids = [_int_or_raw(v) for v in request.POST.getlist("seat")]
    quantity = _int_or_raw(request.POST.get("quantity", "")) if best else None
    section = None if area else (request.POST.get("section") or "").strip() or None
    tier = (request.POST.get("price_tier") or "").strip()
    price_tier_id = ascii_int(tier) if best else None

    if not request.user.is_authenticated:
        # After logging in, the seats are held at once (hold_resume), with the same choice.
        if best:
            choice = {
                "mode": mode,
                "quantity": request.POST.get("quantity", ""),
                "section": section,
                "area": area,
                "price_tier": price_tier_id,
            }
        else:
            choice = {"seats": ",".join(str(i) for i in seat_ids if isinstance(i, int))}
        _event_url(event_id)  # a 404 for an event that is not on sale, before the login
        back = reverse("holds:resume", args=[event_id])
        query = urlencode({k: v for k, v in choice.items() if v})
        messages.info(request, _("Log in or sign up to hold your seats; we will bring you back."))
        return redirect_to_login(f"{back}?{query}" if query else back)

    try:
        # The API's limits, on the form too: a bot gains nothing by switching to the page.
        rate_limits.check("hold", request)
        hold = or_404(
            holds.hold_seats,
            user=request.user,
            event_id=event_id,
            event_seat_ids=None if best else seat_ids,
            quantity=quantity,
            section=section if best else None,
            area=area,
            price_tier_id=price_tier_id,
            queue_pass=request.COOKIES.get(pass_cookie(event_id)),
        )
    except ShopError as exc:
        if exc.code in ROOM_CODES:
            messages.info(request, exc.detail)
            return redirect("waitingroom:room", event_id=event_id)
        existing = exc.extra.get("hold")
        if exc.code == "active_hold_exists" and existing:
            messages.info(request, exc.detail)
            return redirect("bookings:checkout", hold_id=existing)
        keep = []
        detail = exc.detail
        if exc.code in SEAT_CODES_WITH_TAKEN_SEATS:
            taken = set(exc.extra.get("seats") or [])
            keep = [i for i in seat_ids if isinstance(i, int) and i not in taken]
            detail = f"{detail} {_('The seat map shows what is free now.')}"
        messages.error(request, detail)
        return redirect(_event_url(event_id, seats=",".join(map(str, keep))))
    return redirect("bookings:checkout", hold_id=hold.id)


@login_required
@require_POST
def hold_release(request, hold_id):
    hold = or_404(selectors.get_hold_for_user, user=request.user, hold_id=hold_id)
    try:
        holds.release_hold(user=request.user, hold_id=hold.id)
    except ShopError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Your seats have been released."))
    return redirect(hold.event.get_absolute_url())


@login_required
@require_POST
def hold_extend(request, hold_id):
    hold = or_404(selectors.get_hold_for_user, user=request.user, hold_id=hold_id)
    try:
        hold = holds.extend_hold(user=request.user, hold_id=hold.id)
    except ShopError as exc:
        messages.error(request, exc.detail)
    else:
        local = timezone.localtime(hold.expires_at)
        messages.success(
            request, _("Done: your seats are held until %(time)s.") % {"time": f"{local:%H:%M}"}
        )
    return redirect("bookings:checkout", hold_id=hold.id)
