from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api_schema import (
    ERROR_RESPONSES,
    IDEMPOTENCY_HEADER,
    RETRY_AFTER_HEADER,
    ErrorSerializer,
    rate_limit_response,
)
from apps.common.idempotency import idempotent
from apps.common.rate_limits import rate_limited
from apps.waitingroom.passes import PASS_HEADER

from . import holds, selectors
from .hold_json import hold_document, parse_hold_request
from .serializers import HoldCreateSerializer, HoldSerializer


def _hold_response(user, hold_id, status_code=status.HTTP_200_OK) -> Response:
    hold = selectors.get_hold_for_user(user=user, hold_id=hold_id)
    return Response(hold_document(hold), status=status_code)


QUEUE_PASS_HEADER = OpenApiParameter(
    PASS_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The pass the event's waiting room gave you (`queue_pass`), when it has one on.",
)
HOLD_CREATE_ERRORS = {
    **ERROR_RESPONSES,
    403: OpenApiResponse(
        ErrorSerializer,
        description="queue_pass_required: the event's waiting room is on and this request has "
        "no valid pass of yours (`room` is the room's API URL, `room_page` its page)",
    ),
    503: OpenApiResponse(
        ErrorSerializer,
        description="waiting_room_unavailable: the event's waiting room cannot check passes "
        "now (Redis away); retry",
    ),
    429: rate_limit_response("hold_rate_limited"),
}


class HoldListCreateApi(APIView):
    @extend_schema(
        operation_id="holds_create",
        summary="Hold seats",
        description=(
            "Holds chosen event seats (`seats`) or the best `quantity` adjacent ones (optionally "
            "in a `section` or `price_tier`) for the event's hold minutes. 409 `seats_unavailable`"
            " lists taken seats; 409 `seat_busy` means another buyer is taking one this instant."
        ),
        parameters=[IDEMPOTENCY_HEADER, QUEUE_PASS_HEADER, RETRY_AFTER_HEADER],
        request=HoldCreateSerializer,
        responses={201: HoldSerializer, **HOLD_CREATE_ERRORS},
    )
    @rate_limited("hold")
    @idempotent(durable=False)
    def post(self, request):
        values = parse_hold_request(request.data)
        hold = holds.hold_seats(
            user=request.user,
            event_id=values["event"],
            event_seat_ids=values.get("seats"),
            quantity=values.get("quantity"),
            section=values.get("section") or None,
            area=values.get("area") or None,
            price_tier_id=values.get("price_tier"),
            queue_pass=request.headers.get(PASS_HEADER),
        )
        # The service hands back the hold with its seats: no second read on the hot path.
        return Response(hold_document(hold), status=status.HTTP_201_CREATED)


HOLD_ID = OpenApiParameter("hold_id", str, OpenApiParameter.PATH, description="Hold id (UUID)")


class HoldDetailApi(APIView):
    @extend_schema(
        operation_id="holds_retrieve",
        summary="A hold of mine",
        parameters=[HOLD_ID],
        responses={200: HoldSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, hold_id):
        return _hold_response(request.user, hold_id)

    @extend_schema(
        operation_id="holds_release",
        summary="Release a hold",
        parameters=[HOLD_ID, IDEMPOTENCY_HEADER],
        responses={200: HoldSerializer, **ERROR_RESPONSES},
    )
    @idempotent
    def delete(self, request, hold_id):
        holds.release_hold(user=request.user, hold_id=hold_id)
        return _hold_response(request.user, hold_id)


class HoldExtendApi(APIView):
    @extend_schema(
        operation_id="holds_extend",
        summary="Extend a hold by the event's hold minutes",
        parameters=[HOLD_ID, IDEMPOTENCY_HEADER],
        request=None,
        responses={200: HoldSerializer, **ERROR_RESPONSES},
    )
    @idempotent
    def post(self, request, hold_id):
        holds.extend_hold(user=request.user, hold_id=hold_id)
        return _hold_response(request.user, hold_id)
