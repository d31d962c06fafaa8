"""GET /api/v1/monitoring/lock-contention[/<resource>]: the seat-lock contention history for
operators and their dashboards. Staff only (JWT of a staff account); read-only and thin, the
figures come from backoffice.contention."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api_schema import ErrorSerializer
from apps.common.parsing import AsciiIntegerField

from . import contention as selectors

_ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Invalid query parameter",
        401: "Not authenticated",
        403: "Not a staff account",
        404: "No such resource",
    }.items()
}


class FiguresSerializer(serializers.Serializer):
    attempts = serializers.IntegerField(help_text="Redis seat-lock attempts (acquired + failed).")
    acquired = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Lock still held by another buyer: seat_busy.")
    degraded = serializers.IntegerField(help_text="Seats held while Redis was unreachable.")
    contention_rate = serializers.FloatField(allow_null=True, help_text="failed / attempts.")
    avg_wait_ms = serializers.FloatField(allow_null=True)
    p95_wait_ms = serializers.FloatField(
        allow_null=True, help_text="From a histogram, interpolated within its bucket."
    )
    avg_held_ms = serializers.FloatField(allow_null=True)


class WindowSerializer(serializers.Serializer):
    minutes = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class EventFiguresSerializer(FiguresSerializer):
    resource = serializers.CharField(help_text="event:<id>")
    event_id = serializers.IntegerField()
    title = serializers.CharField()


class SeatFiguresSerializer(FiguresSerializer):
    resource = serializers.CharField(help_text="seat:<event seat id>")
    event_id = serializers.IntegerField()
    event_seat_id = serializers.IntegerField()
    section = serializers.CharField()
    row = serializers.CharField()
    number = serializers.IntegerField()
    label = serializers.CharField()


class SectionFiguresSerializer(FiguresSerializer):
    section = serializers.CharField()


class PointSerializer(FiguresSerializer):
    start = serializers.DateTimeField(help_text="Start of this point's bucket of minutes.")


class OverviewSerializer(serializers.Serializer):
    window = WindowSerializer()
    events = EventFiguresSerializer(many=True, help_text="Hottest first.")
    resources = SeatFiguresSerializer(many=True, help_text="The hottest seat locks, first.")


class ResourceSerializer(serializers.Serializer):
    resource = serializers.CharField()
    kind = serializers.ChoiceField(choices=["event", "seat"])
    event_id = serializers.IntegerField()
    label = serializers.CharField()
    window = WindowSerializer()
    totals = FiguresSerializer()
    series = PointSerializer(many=True, help_text="At most 60 points covering the window.")
    sections = SectionFiguresSerializer(
        many=True, required=False, help_text="Events only: hottest first."
    )
    seats = SeatFiguresSerializer(
        many=True, required=False, help_text="Events only: the hottest seats, first."
    )

    def to_representation(self, data):
        if data["kind"] == "event":
            data = {**data, "event_id": data["event"].pk, "label": data["event"].title}
        return super().to_representation(data)


class WindowQuerySerializer(serializers.Serializer):
    minutes = AsciiIntegerField(
        required=False,
        min_value=1,
        max_value=selectors.MAX_WINDOW,
        default=selectors.DEFAULT_WINDOW,
        help_text="The last N minutes, the current one included.",
    )


class OverviewQuerySerializer(WindowQuerySerializer):
    event = AsciiIntegerField(required=False, min_value=1, help_text="One event only.")
    limit = AsciiIntegerField(
        required=False, min_value=1, max_value=100, default=20, help_text="Seat locks listed."
    )


def _query(serializer_class, request) -> dict:
    # Read as plain values, not as a form: an empty or repeated parameter is an error here,
    # never silently the default.
    params = {}
    for name, values in request.query_params.lists():
        if len(values) > 1:
            raise serializers.ValidationError({name: [_("Give this parameter once.")]})
        params[name] = values[0]
    query = serializer_class(data=params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class LockContentionApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="monitoring_lock_contention",
        summary="Seat-lock contention: events and hottest seat locks",
        description=(
            "Every event with seat-lock activity in the window, and the hottest seat locks "
            "(most failed attempts first). Rolled up from Redis every LOCKSTATS_ROLLUP_SECONDS."
        ),
        parameters=[OverviewQuerySerializer],
        responses={200: OverviewSerializer, **_ERRORS},
        tags=["monitoring"],
    )
    def get(self, request):
        query = _query(OverviewQuerySerializer, request)
        data = selectors.contention_overview(
            minutes=query["minutes"], event_id=query.get("event"), limit=query["limit"]
        )
        return Response(OverviewSerializer(data).data)


class LockContentionResourceApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="monitoring_lock_contention_resource",
        summary="Seat-lock contention of one event or one seat lock",
        description=(
            "`event:<id>`: totals, a time series, sections and the hottest seats. "
            "`seat:<event seat id>`: totals and a time series."
        ),
        parameters=[
            OpenApiParameter(
                "resource",
                str,
                OpenApiParameter.PATH,
                description="event:<id> or seat:<event seat id>",
            ),
            WindowQuerySerializer,
        ],
        responses={200: ResourceSerializer, **_ERRORS},
        tags=["monitoring"],
    )
    def get(self, request, resource):
        query = _query(WindowQuerySerializer, request)
        data = selectors.resource_contention(resource, minutes=query["minutes"])
        return Response(ResourceSerializer(data).data)
