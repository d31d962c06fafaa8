import math

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTStatelessUserScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from apps.common.api_schema import (
    ERROR_RESPONSES,
    RETRY_AFTER_HEADER,
    ErrorSerializer,
    rate_limit_response,
)
from apps.common.client_ip import client_ip

from . import services
from .documents import place_document
from .serializers import RoomStatusSerializer
from .state import RoomUnavailable


class TokenOnlyJWTScheme(SimpleJWTStatelessUserScheme):
    """The room's bearer JWT in the schema, under a name of its own (drf-spectacular refuses
    two authentications under one name): the same token as everywhere, read without the
    account."""

    name = "jwtTokenOnly"
    priority = 1


ROOM_RESPONSES = {
    200: RoomStatusSerializer,
    **ERROR_RESPONSES,
    503: OpenApiResponse(
        ErrorSerializer,
        description="waiting_room_unavailable: Redis is away; you keep your place, retry "
        "after `Retry-After`",
    ),
}


def room_answer(request, event_id, *, join: bool) -> tuple[int, dict, dict]:
    """Status, JSON document and headers of a join (counted against its rate limits in the
    same Redis call) or a status answer, for an authenticated request: what this view answers
    and the room's own server (apps.waitingroom.edge) too. A refusal (429, 404) is raised as
    its ShopError."""
    try:
        if join:
            address = client_ip(request) or "unknown"
            place = services.join_room(user=request.user, event_id=event_id, address=address)
        else:
            place = services.room_status(user=request.user, event_id=event_id)
    except RoomUnavailable as exc:
        return exc.status_code, exc.as_dict(), {"Retry-After": "5"}
    headers = {}
    if place.poll_seconds:
        headers["Retry-After"] = str(math.ceil(place.poll_seconds))
    return 200, place_document(place), headers


def _answer(request, event_id, *, join: bool) -> Response:
    status, document, headers = room_answer(request, event_id, join=join)
    return Response(document, status=status, headers=headers)


class RoomApi(APIView):
    # The token alone says who asks (its signature, expiry and type; no read of the account):
    # 10,000 buyers joining within seconds would otherwise cost a PostgreSQL read each, the
    # largest part of a join. A token revoked by a new password, or an account deactivated
    # since, keeps its place here for the token's last minutes at most, but takes no seat:
    # holds and bookings check the account (RememberingJWTAuthentication).
    authentication_classes = [JWTStatelessUserAuthentication]

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
        return _answer(request, event_id, join=False)

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
    def post(self, request, event_id):
        return _answer(request, event_id, join=True)
