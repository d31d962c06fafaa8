"""The buyer's waiting page: join, see the position fall (static/js/waitingroom.js polls
`status`), and on admission go to the event page with the pass in a cookie that the hold form
sends along. Thin: apps.waitingroom.services decides everything, as for the API."""

import functools
import math
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.common.client_ip import client_ip
from apps.common.errors import NotFound, TooManyRequests
from apps.events import selectors as event_selectors

from . import passes, services
from .documents import place_document
from .state import RoomUnavailable


def _event(event_id):
    event = event_selectors.get_public_event(event_id=event_id)
    if event is None:
        raise Http404("No such event")
    return event


def _with_pass(response, place):
    """Admitted: the pass goes into a cookie for the hold form, for as long as it lasts."""
    if place.state == "admitted":
        seconds = max(1, int(place.pass_expires_at.timestamp() - time.time()))
        response.set_cookie(
            passes.cookie_name(place.event_id),
            place.queue_pass,
            max_age=seconds,
            httponly=True,
            samesite="Lax",
            secure=False,
        )
    return response


def _place_or_none(read, request, event_id):
    try:
        return read(user=request.user, event_id=event_id), None
    except RoomUnavailable as exc:
        return None, exc
    except NotFound:
        raise Http404("No waiting room") from None


@login_required
@require_GET
def room(request, event_id):
    event = _event(event_id)
    place, unavailable = _place_or_none(services.room_status, request, event_id)
    if place is not None and place.state in ("admitted", "closed"):
        if place.state == "admitted":
            messages.success(request, _("You are in! Choose your seats now."))
        return _with_pass(redirect(event.get_absolute_url()), place)
    return render(
        request,
        "waitingroom/room.html",
        {"event": event, "place": place, "unavailable": unavailable},
    )


@login_required
@require_POST
def join(request, event_id):
    event = _event(event_id)
    address = client_ip(request) or "unknown"
    try:
        place, unavailable = _place_or_none(
            functools.partial(services.join_room, address=address), request, event_id
        )
    except TooManyRequests as exc:
        # The page again, with the refusal and the buyer's place if they have one: a 429 the
        # browser shows rather than a redirect that hides it.
        place, unavailable = _place_or_none(services.room_status, request, event_id)
        messages.error(request, exc.detail)
        response = render(
            request,
            "waitingroom/room.html",
            {"event": event, "place": place, "unavailable": unavailable},
            status=429,
        )
        response["Retry-After"] = str(exc.extra["retry_after"])
        return response
    if unavailable is not None:
        messages.error(request, unavailable.detail)
    return redirect("waitingroom:room", event_id=event_id)


@login_required
@require_GET
def status(request, event_id):
    """What the page's script polls: the same document as the API's, plus where to go next."""
    event = _event(event_id)
    place, unavailable = _place_or_none(services.room_status, request, event_id)
    if unavailable is not None:
        response = JsonResponse({**unavailable.as_dict(), "poll_seconds": 5}, status=503)
        response["Retry-After"] = "5"
        return response
    document = place_document(place)
    document["next"] = event.get_absolute_url()
    response = JsonResponse(document)
    if place.poll_seconds:
        response["Retry-After"] = str(math.ceil(place.poll_seconds))
    return _with_pass(response, place)
