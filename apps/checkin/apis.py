"""POST /api/v1/checkin: the scanner apps' and the check-in page's one call. Thin: the decision
is apps.checkin.services.check_in_ticket's."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import RememberingJWTAuthentication
from apps.common.api_schema import IDEMPOTENCY_HEADER, ErrorSerializer
from apps.common.idempotency import idempotent

from . import services
from .documents import admission_document
from .permissions import CanCheckIn
from .serializers import AdmittedSerializer, AlreadyCheckedInSerializer, ScanSerializer


def _error(text):
    return OpenApiResponse(ErrorSerializer, description=text)


CHECKIN_RESPONSES = {
    200: OpenApiResponse(AdmittedSerializer, description="admitted: let the holder in"),
    400: _error("validation_error: event, code or door missing or malformed"),
    401: _error("Not authenticated"),
    403: _error("permission_denied: the account may not check tickets in"),
    404: _error("unknown_code: no ticket has this code; event_not_found: no such event"),
    409: OpenApiResponse(
        AlreadyCheckedInSerializer,
        description="already_checked_in: when (`checked_in_at`) and where (`door`) it was used",
    ),
    410: _error("ticket_cancelled: the ticket or its booking was cancelled"),
    422: _error(
        "wrong_event: the ticket is for another event; idempotency_key_reused: this "
        "Idempotency-Key was used for another request"
    ),
}


class CheckInApi(APIView):
    # The page posts with its session (and CSRF token), scanner apps with a JWT.
    authentication_classes = [RememberingJWTAuthentication, SessionAuthentication]
    permission_classes = [CanCheckIn]

    @extend_schema(
        operation_id="checkin",
        summary="Check a ticket in at a door",
        description=(
            "Admits the ticket whose QR code says `code` to `event` at `door`, once. A refused "
            "scan is a 4xx with the error's `code`: 409 `already_checked_in` (with when and "
            "at which door), 422 `wrong_event`, 410 `ticket_cancelled`, 404 `unknown_code`. "
            "Needs the check-in permission (the Door staff group)."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=ScanSerializer,
        responses=CHECKIN_RESPONSES,
        tags=["checkin"],
    )
    @idempotent
    def post(self, request):
        data = ScanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        admission = services.check_in_ticket(
            event_id=data.validated_data["event"],
            code=data.validated_data["code"],
            door=data.validated_data["door"],
            user=request.user,
        )
        return Response(admission_document(admission))
