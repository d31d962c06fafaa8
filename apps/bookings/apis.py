from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api_schema import ERROR_RESPONSES, IDEMPOTENCY_HEADER
from apps.common.idempotency import IDEMPOTENCY_HEADER_NAME, idempotent
from apps.payments.providers.base import CardDetails

from . import selectors, services
from .serializers import BookingCreateSerializer, BookingSerializer


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
            "Charges the card (sandbox test cards: 4242424242424242 succeeds, 4000000000000002 "
            "is declined, 4000000000000119 fails once with a retryable processing error) and "
            "turns the hold into a confirmed booking. 402 `payment_declined` keeps the hold; "
            "410 `hold_expired` means the hold ran out (refunded if it had been charged)."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=BookingCreateSerializer,
        responses={201: BookingSerializer, **ERROR_RESPONSES},
    )
    @idempotent
    def post(self, request):
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        card = data.validated_data["payment"]
        booking = services.confirm_booking(
            user=request.user,
            hold_id=data.validated_data["hold"],
            card=CardDetails.parse(
                number=card["card_number"],
                exp_month=card["exp_month"],
                exp_year=card["exp_year"],
                cvc=card["cvc"],
                name=card.get("name", ""),
            ),
            attempt_key=request.headers.get(IDEMPOTENCY_HEADER_NAME),
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
        parameters=[REFERENCE, IDEMPOTENCY_HEADER],
        request=None,
        responses={200: BookingSerializer, **ERROR_RESPONSES},
    )
    @idempotent
    def post(self, request, reference):
        booking = services.cancel_booking(user=request.user, reference=reference)
        return _booking_response(request.user, booking.reference)
