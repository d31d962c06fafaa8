"""The admin's "Cancel and refund" pages: a booking's confirmation page (which tickets, how
much, to whom; GET only shows, POST does it) and the list action's confirmation for several
whole bookings. Thin: the work is apps.bookings.staff_refunds."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.common.errors import ShopError
from apps.common.money import format_money
from apps.common.parsing import is_ascii_digits

from .models import Booking, Ticket
from .services import cancel_bookings_as_staff
from .staff_refunds import refund_tickets


class BookingRefundAdminMixin:
    """Mixed into BookingAdmin: /admin/bookings/booking/<id>/refund/, a button on the booking's
    page, and the list action asking before it refunds."""

    def get_urls(self):
        page = path(
            "<int:booking_id>/refund/",
            self.admin_site.admin_view(self.refund_view),
            name="bookings_booking_refund",
        )
        return [page, *super().get_urls()]

    def has_refund_permission(self, request):
        return request.user.has_perm("bookings.refund_booking")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if object_id and is_ascii_digits(str(object_id)) and self.has_refund_permission(request):
            url = reverse("admin:bookings_booking_refund", args=[object_id])
            extra_context = {**(extra_context or {}), "refund_url": url}
        return super().change_view(request, object_id, form_url, extra_context)

    def refund_view(self, request, booking_id):
        if not self.has_refund_permission(request):
            raise PermissionDenied
        booking = get_object_or_404(Booking.objects.select_related("user", "event"), pk=booking_id)
        tickets = list(
            Ticket.objects.filter(booking=booking, status=Ticket.Status.VALID)
            .select_related("event_seat__seat")
            .order_by("id")
        )
        chosen = _chosen(request, tickets)
        if request.method == "POST" and chosen and request.POST.get("confirm") == "yes":
            try:
                done = refund_tickets(
                    reference=booking.reference,
                    ticket_ids=[t.pk for t in chosen],
                    staff_user=request.user,
                )
            except ShopError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                self.message_user(request, _done_message(done), messages.SUCCESS)
                return redirect("admin:bookings_booking_change", booking.pk)
        elif request.method == "POST" and not chosen:
            self.message_user(request, _("Tick the tickets to cancel and refund."), messages.ERROR)
        # GET: choose the tickets. POST without "confirm": the summary to confirm.
        reviewing = request.method == "POST" and bool(chosen)
        return TemplateResponse(
            request,
            "admin/bookings/booking/refund.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Cancel and refund tickets of %(reference)s")
                % {"reference": booking.reference},
                "original": booking,
                "booking": booking,
                "tickets": tickets,
                "chosen": chosen,
                "chosen_ids": {t.pk for t in chosen},
                "amount": sum((t.price for t in chosen), start=Decimal("0")),
                "whole": len(chosen) == len(tickets),
                "reviewing": reviewing,
                "cancellable": booking.status == Booking.Status.CONFIRMED and bool(tickets),
            },
        )

    def cancel_and_refund(self, request, queryset):
        """One booking: its confirmation page. Several: a page listing them (what each buyer
        gets back); refunded only when that page is confirmed."""
        if queryset.count() == 1:
            return redirect("admin:bookings_booking_refund", queryset.get().pk)
        if request.POST.get("confirm") != "yes":
            bookings = list(queryset.select_related("user", "event").order_by("reference"))
            return TemplateResponse(
                request,
                "admin/bookings/booking/cancel_selected.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "title": _("Cancel and refund these bookings?"),
                    "bookings": bookings,
                    "action": "cancel_and_refund",
                    "action_checkbox_name": "_selected_action",
                },
            )
        references = list(queryset.values_list("reference", flat=True))
        done = cancel_bookings_as_staff(references=references, staff_user=request.user)
        self.message_user(
            request,
            ngettext(
                "Cancelled and refunded %(n)s booking; its buyer is told by e-mail.",
                "Cancelled and refunded %(n)s bookings; their buyers are told by e-mail.",
                done,
            )
            % {"n": done},
            messages.SUCCESS,
        )
        if done < len(references):
            left = len(references) - done
            self.message_user(
                request,
                ngettext(
                    "%(n)s booking was not confirmed, or its event has started, and was left "
                    "alone.",
                    "%(n)s bookings were not confirmed, or their event has started, and were "
                    "left alone.",
                    left,
                )
                % {"n": left},
                messages.WARNING,
            )
        return None


def _chosen(request, tickets: list[Ticket]) -> list[Ticket]:
    """The valid tickets ticked in the POST (all of them on a GET, the page's default)."""
    if request.method != "POST":
        return tickets
    ticked = {int(i) for i in request.POST.getlist("ticket") if is_ascii_digits(i)}
    return [t for t in tickets if t.pk in ticked]


def _done_message(done) -> str:
    # Whole sentences for each case (a translation cannot be glued from parts).
    booking = done.booking
    values = {
        "reference": booking.reference,
        "amount": format_money(done.amount, booking.currency),
        "email": booking.user.email,
        "n": done.tickets_cancelled,
    }
    if done.whole_booking and booking.user.email:
        message = _(
            "Cancelled the whole booking of %(reference)s and refunded %(amount)s; %(email)s is "
            "told by e-mail."
        )
    elif done.whole_booking:
        message = _("Cancelled the whole booking of %(reference)s and refunded %(amount)s.")
    elif booking.user.email:
        message = ngettext(
            "Cancelled %(n)s ticket of %(reference)s and refunded %(amount)s; %(email)s is "
            "told by e-mail.",
            "Cancelled %(n)s tickets of %(reference)s and refunded %(amount)s; %(email)s is "
            "told by e-mail.",
            done.tickets_cancelled,
        )
    else:
        message = ngettext(
            "Cancelled %(n)s ticket of %(reference)s and refunded %(amount)s.",
            "Cancelled %(n)s tickets of %(reference)s and refunded %(amount)s.",
            done.tickets_cancelled,
        )
    return message % values
