"""Buyer pages from the hold to the tickets: checkout with a live countdown, payment,
confirmation with QR codes, my bookings (a hold's own pages are apps.inventory.views). Thin:
every decision (whether a hold is still good, whether a card was charged, what may be
cancelled) is made by the same services the API calls; these views only turn their answers
into pages and messages."""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.common import rate_limits
from apps.common.errors import InvalidRequest, ShopError
from apps.common.money import format_money
from apps.common.views import or_404
from apps.inventory import selectors as inventory_selectors
from apps.inventory.models import Hold
from apps.payments.models import Payment
from apps.payments.providers.base import CardDetails, card_error_message, get_provider

from . import selectors, services, ticket_pdf
from .models import Booking

logger = logging.getLogger(__name__)

BOOKINGS_PER_PAGE = 20


def _get_hold(user, hold_id) -> Hold:
    return or_404(inventory_selectors.get_hold_for_user, user=user, hold_id=hold_id)


def _render_checkout(
    request, hold, *, status=200, error=None, field_errors=None, booking=None, client_secret=""
):
    lines = hold.seat_lines
    state = inventory_selectors.hold_public_status(hold)
    processing = bool(booking and booking.payment_pending and state == Hold.Status.ACTIVE)
    last_failure = None
    failed = (Payment.Status.DECLINED, Payment.Status.FAILED)
    if error is None and booking is not None and booking.last_payment_status in failed:
        last_failure = card_error_message(
            booking.last_payment_code, booking.last_payment_message
        ) or _("The card was not charged.")
    values = {k: request.POST.get(k, "") for k in ("exp_month", "exp_year", "name")}
    if not values["name"]:
        values["name"] = request.user.full_name
    stripe = _stripe_context(client_secret)
    response = render(
        request,
        "bookings/checkout.html",
        {
            "hold": hold,
            "event": hold.event,
            "lines": lines,
            "total": sum((line["price"] for line in lines), start=0),
            "state": state,
            "active": state == Hold.Status.ACTIVE,
            # Past the limit the button would only be refused: not offered.
            "can_extend": hold.extensions < settings.TICKETING["MAX_HOLD_EXTENSIONS"],
            "processing": processing,
            "error": error,
            "last_failure": last_failure,
            "field_errors": field_errors or {},
            "values": values,
            "server_now": timezone.now(),
            # With Stripe the card goes from the browser to Stripe.js only (see checkout.html).
            "stripe": stripe,
        },
        status=status,
    )
    if stripe is not None:
        # This page alone may load Stripe.js, frame its card field and 3-D Secure, and let it
        # talk to its API (django-csp adds these to the policy for this response).
        response._csp_update = stripe["csp"]
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _stripe_context(client_secret: str) -> dict | None:
    if not get_provider().browser_confirms:
        return None
    knobs = settings.TICKETING
    script = _origin(knobs["STRIPE_JS_URL"])
    api = _origin(knobs["STRIPE_API_BASE"] or "https://api.stripe.com")
    return {
        "publishable_key": knobs["STRIPE_PUBLISHABLE_KEY"],
        "js_url": knobs["STRIPE_JS_URL"],
        "csp": {
            "script-src": [script],
            "frame-src": [script, "https://hooks.stripe.com"],
            "connect-src": [api, script],
        },
        # Set when the bank wants 3-D Secure: Stripe.js finishes it, then the page asks again.
        "client_secret": client_secret,
    }


def _pay(request, hold):
    """The sandbox takes the demo form's test card; a real gateway a payment method id that
    Stripe.js made in the browser (or nothing: finishing a payment after 3-D Secure)."""
    if get_provider().browser_confirms:
        method = request.POST.get("payment_method", "")
        return services.confirm_booking(
            user=request.user, hold_id=hold.id, payment_method=method[:100]
        )
    card = CardDetails.parse(
        number=request.POST.get("card_number", ""),
        exp_month=request.POST.get("exp_month", ""),
        exp_year=request.POST.get("exp_year", ""),
        cvc=request.POST.get("cvc", ""),
        name=request.POST.get("name", ""),
    )
    # The gateway's key is the open payment's own: a retry after a timeout, a double click or
    # a crash finishes the same payment instead of charging again.
    return services.confirm_booking(user=request.user, hold_id=hold.id, card=card)


def _already_paid(request, booking):
    """The hold became this booking (an old tab, Back after paying): its tickets, said plainly,
    instead of a checkout that looks live."""
    messages.info(
        request,
        _(
            "You have already paid for these seats: here are your tickets (booking "
            "%(reference)s). Nothing more was charged."
        )
        % {"reference": booking.reference},
    )
    return redirect("bookings:detail", reference=booking.reference)


# Never stored by the browser or a proxy, nor restored from the back-forward cache: the page
# holds a card form and a countdown that are only true when just fetched (checkout.js clears
# the card fields too, for a browser that restores the page anyway).
@never_cache
@sensitive_post_parameters("card_number", "cvc", "exp_month", "exp_year", "name")
@login_required
@require_http_methods(["GET", "POST"])
def checkout(request, hold_id):
    hold = _get_hold(request.user, hold_id)
    booking = selectors.booking_for_hold(user=request.user, hold_id=hold.id)
    if booking is not None and booking.status == Booking.Status.CONFIRMED:
        return _already_paid(request, booking)
    if request.method == "GET":
        return _render_checkout(request, hold, booking=booking)

    try:
        rate_limits.check("booking", request)  # the API's limits, on the page too
        booking = _pay(request, hold)
    except services.PaymentPending as exc:
        hold = _get_hold(request.user, hold.id)
        return _render_checkout(
            request, hold, error=exc.detail, client_secret=exc.extra.get("client_secret", "")
        )
    except InvalidRequest as exc:
        return _render_checkout(
            request, hold, status=400, error=exc.detail, field_errors=exc.extra.get("fields")
        )
    except ShopError as exc:
        if exc.code == "hold_not_found":
            raise Http404(exc.detail) from None
        if exc.code in ("payment_in_progress", "idempotency_request_in_progress"):
            # The other click of a double click is charging the card; this page follows it.
            messages.info(request, _("Your payment is being processed…"))
            return redirect("bookings:checkout", hold_id=hold.id)
        hold = _get_hold(request.user, hold.id)
        # The page shows the problem and keeps the form (the hold stays on a decline or a
        # processing error); 5xx answers are for the shop's faults, not for a card's.
        return _render_checkout(
            request,
            hold,
            status=exc.status_code if exc.status_code < 500 else 200,
            error=exc.detail,
        )
    messages.success(request, _("Payment received. Enjoy the show!"))
    return redirect("bookings:detail", reference=booking.reference)


@never_cache  # the tickets' codes are the tickets: not for a shared cache or the next user
@login_required
def booking_detail(request, reference):
    booking = or_404(selectors.get_booking_for_user, user=request.user, reference=reference)
    return render(request, "bookings/detail.html", {"booking": booking, "event": booking.event})


@login_required
def booking_tickets_pdf(request, reference):
    """The tickets as a PDF, a page each (the same the confirmation e-mail attaches)."""
    booking = or_404(selectors.get_booking_for_user, user=request.user, reference=reference)
    try:
        return ticket_pdf.download(booking)
    except ShopError as exc:
        messages.error(request, exc.detail)
        return redirect("bookings:detail", reference=booking.reference)


@login_required
def booking_list(request):
    page = Paginator(selectors.bookings_for_user(request.user), BOOKINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "bookings/list.html", {"page": page})


@login_required
@require_POST
def booking_cancel(request, reference):
    try:
        rate_limits.check("cancel", request)
        booking = or_404(services.cancel_booking, user=request.user, reference=reference)
    except ShopError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("Booking %(reference)s is cancelled; %(amount)s will be refunded to your card.")
            % {
                "reference": booking.reference,
                "amount": format_money(booking.total, booking.currency),
            },
        )
    return redirect(reverse("bookings:list"))
