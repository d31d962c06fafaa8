import math

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api_schema import (
    ERROR_RESPONSES,
    RETRY_AFTER_HEADER,
    ErrorSerializer,
    rate_limit_response,
)
from apps.common.rate_limits import rate_limited

from . import services
from .documents import place_document
from .serializers import RoomStatusSerializer
from .state import RoomUnavailable

ROOM_RESPONSES = {
    200: RoomStatusSerializer,
    **ERROR_RESPONSES,
    503: OpenApiResponse(
        ErrorSerializer,
        description="waiting_room_unavailable: Redis is away; you keep your place, retry "
        "after `Retry-After`",
    ),
}


def _answer(read, request, event_id) -> Response:
    try:
        place = read(user=request.user, event_id=event_id)
    except RoomUnavailable as exc:
        return Response(exc.as_dict(), status=exc.status_code, headers={"Retry-After": "5"})
    headers = {}
    if place.poll_seconds:
        headers["Retry-After"] = str(math.ceil(place.poll_seconds))
    return Response(place_document(place), headers=headers)


class RoomApi(APIView):
    @extend_schema(
        operation_id="room_status",
        summary="Where I stand in the event's waiting room",
        description=(
            "Your position, the estimated wait and when to ask again (`poll_seconds`, also "
            "`Retry-After`); once admitted, your pass (`queue_pass`). Join first with POST."
        ),
        responses=ROOM_RESPONSES,
    )
    def get(self, request, event_id):
        return _answer(services.room_status, request, event_id)

    @extend_schema(
        operation_id="room_join",
        summary="Join the event's waiting room",
        description=(
            "One place per account: joining again (another tab or device) returns the same "
            "place. Joined before the room opens, your place is drawn by lottery; after it, "
            "first come first served. 404 `no_waiting_room` when the event has none."
        ),
        request=None,
        parameters=[RETRY_AFTER_HEADER],
        responses={**ROOM_RESPONSES, 429: rate_limit_response("room_join_rate_limited")},
    )
    @rate_limited("room_join")
    def post(self, request, event_id):
        return _answer(services.join_room, request, event_id)
