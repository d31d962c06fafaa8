from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api_schema import (
    ERROR_RESPONSES,
    IDEMPOTENCY_HEADER,
    RETRY_AFTER_HEADER,
    rate_limit_response,
)
from apps.common.idempotency import idempotent
from apps.common.rate_limits import rate_limited
from apps.payments.providers.base import CardDetails

from . import selectors, services, ticket_pdf
from .serializers import BookingCreateSerializer, BookingSerializer, PaymentPendingSerializer


def _booking_response(user, reference, status_code=status.HTTP_200_OK) -> Response:
    booking = selectors.get_booking_for_user(user=user, reference=reference)
    return Response(BookingSerializer(booking).data, status=status_code)


class BookingListCreateApi(ListAPIView):
    serializer_class = BookingSerializer

    def get_queryset(self):
        return selectors.bookings_for_user(self.request.user)

    @extend_schema(operation_id="bookings_list", summary="My bookings")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="bookings_create",
        summary="Pay for a hold and get tickets",
        description=(
            "Pays with `payment_method` (a PaymentMethod id the mobile SDK created) and turns "
            "the hold into a confirmed booking (201). 402 `payment_declined` keeps the hold; "
            "202 `payment_pending` with `status: requires_action` carries the PaymentIntent's "
            "`client_secret` for the SDK to finish 3-D Secure, after which "
            "`GET /bookings/{reference}` shows the booking confirmed; 503 "
            "`payment_unavailable` (gateway down, nothing charged, hold kept) and 502 "
            "`payment_status_unknown` (no answer: retrying never charges twice) may be "
            "retried; 410 `hold_expired` means the hold ran out (refunded if it had been "
            "charged). The sandbox gateway also takes test cards in `payment` "
            "(4242424242424242 succeeds, 4000000000000002 is declined); a real gateway "
            "refuses card fields with 400 `card_data_not_accepted`."
        ),
        parameters=[IDEMPOTENCY_HEADER, RETRY_AFTER_HEADER],
        request=BookingCreateSerializer,
        responses={
            201: BookingSerializer,
            202: PaymentPendingSerializer,
            **ERROR_RESPONSES,
            429: rate_limit_response("booking_rate_limited"),
        },
    )
    @rate_limited("booking")
    @idempotent
    def post(self, request):
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        card = data.validated_data.get("payment")
        booking = services.confirm_booking(
            user=request.user,
            hold_id=data.validated_data["hold"],
            payment_method=data.validated_data.get("payment_method", ""),
            card=None
            if card is None
            else CardDetails.parse(
                number=card["card_number"],
                exp_month=card["exp_month"],
                exp_year=card["exp_year"],
                cvc=card["cvc"],
                name=card.get("name", ""),
            ),
        )
        return _booking_response(request.user, booking.reference, status.HTTP_201_CREATED)


REFERENCE = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="e.g. TK-7QK3M9XA"
)


class BookingDetailApi(APIView):
    @extend_schema(
        operation_id="bookings_retrieve",
        summary="One of my bookings",
        parameters=[REFERENCE],
        responses={200: BookingSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, reference):
        return _booking_response(request.user, reference)


class BookingCancelApi(APIView):
    @extend_schema(
        operation_id="bookings_cancel",
        summary="Cancel a booking before the event (refunded in full)",
        parameters=[REFERENCE, IDEMPOTENCY_HEADER, RETRY_AFTER_HEADER],
        request=None,
        responses={
            200: BookingSerializer,
            **ERROR_RESPONSES,
            429: rate_limit_response("cancel_rate_limited"),
        },
    )
    @rate_limited("cancel")
    @idempotent
    def post(self, request, reference):
        booking = services.cancel_booking(user=request.user, reference=reference)
        return _booking_response(request.user, booking.reference)


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the view writes the bytes itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class BookingTicketsPdfApi(APIView):
    renderer_classes = [PdfRenderer, JSONRenderer]

    @extend_schema(
        operation_id="bookings_tickets_pdf",
        summary="My booking's tickets as a PDF (a page per ticket, with its QR code)",
        description=(
            "The same PDF the confirmation e-mail attaches: one page per valid ticket (event, "
            "time in the venue's zone, venue, place, price, the QR code of the ticket's `code`, "
            "the booking reference). Another buyer's booking is a 404; a booking without valid "
            "tickets (pending, failed, cancelled) a 409 `no_valid_tickets`."
        ),
        parameters=[REFERENCE],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The tickets, `tickets-<reference>.pdf`"
            ),
            **{(code, "application/json"): ERROR_RESPONSES[code] for code in (401, 404)},
            (409, "application/json"): OpenApiResponse(
                ERROR_RESPONSES[409].response, description="The booking has no valid tickets"
            ),
        },
    )
    def get(self, request, reference):
        booking = selectors.get_booking_for_user(user=request.user, reference=reference)
        return ticket_pdf.download(booking)

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors come in the shop's JSON error shape whatever the client asked for.
        if isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
