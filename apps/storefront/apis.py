from django.http import HttpResponse, HttpResponseNotModified
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api_schema import ERROR_RESPONSES, ErrorSerializer
from apps.common.errors import NotFound
from apps.events import selectors as event_selectors
from apps.inventory.selectors import seat_counts

from . import selectors
from .serializers import (
    EventDetailSerializer,
    EventSearchParamsSerializer,
    EventSummarySerializer,
    SeatAvailabilitySerializer,
    SeatLayoutSerializer,
    SeatMapSerializer,
)

EVENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Event id")


def _event_not_found() -> NotFound:
    return NotFound(_("There is no such event."), code="event_not_found")


class PublicApi:
    """The catalog is the same for everyone: no credentials needed, and a stale token sent
    along by a client does not turn browsing into a 401."""

    authentication_classes = ()
    permission_classes = (AllowAny,)


class EventListApi(PublicApi, ListAPIView):
    serializer_class = EventSummarySerializer

    def get_queryset(self):
        params = EventSearchParamsSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        values = params.validated_data
        return event_selectors.search_events(
            q=values.get("q") or None,
            city=values.get("city") or None,
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
        )

    @extend_schema(
        operation_id="events_list",
        summary="Events on sale",
        description=(
            "Events on sale that have not started, soonest first; with `q`, best match first "
            "(full-text search over title, description, venue and city)."
        ),
        parameters=[EventSearchParamsSerializer],
        responses={
            200: EventSummarySerializer(many=True),
            400: ERROR_RESPONSES[400],
            422: OpenApiResponse(ErrorSerializer, description="`invalid_date_range`"),
        },
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        counts = seat_counts([event.id for event in page])
        data = EventSummarySerializer(page, many=True, context={"seat_counts": counts}).data
        return self.get_paginated_response(data)


class EventDetailApi(PublicApi, APIView):
    @extend_schema(
        operation_id="events_retrieve",
        summary="One event with its price tiers",
        parameters=[EVENT_ID],
        responses={200: EventDetailSerializer, 404: ERROR_RESPONSES[404]},
    )
    def get(self, request, pk):
        event = event_selectors.get_public_event(event_id=pk)
        if event is None:
            raise _event_not_found()
        context = {"seat_counts": seat_counts([event.id])}
        return Response(EventDetailSerializer(event, context=context).data)


class EventSeatsApi(PublicApi, APIView):
    @extend_schema(
        operation_id="events_seats",
        summary="The seat map of an event",
        description=(
            "Every seat with its position, price and status right now (a seat whose hold has "
            "expired is available). Hold seats by their `id`."
        ),
        parameters=[EVENT_ID],
        responses={200: SeatMapSerializer, 404: ERROR_RESPONSES[404]},
    )
    def get(self, request, pk):
        document = selectors.seat_map_document(pk)
        if document is None:
            raise _event_not_found()
        # Already-rendered JSON: a refreshing crowd of seat maps skips serialisation entirely.
        return _document_response(request, document, "public, max-age=1")


def _document_response(request, document, cache_control: str) -> HttpResponse:
    headers = {"ETag": document.etag, "Cache-Control": cache_control}
    if document.etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers=headers)
    return HttpResponse(document.body, content_type="application/json", headers=headers)


LAYOUT_VERSION = OpenApiParameter(
    "v",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="The layout version (from the availability answer): the answer is then cached "
    "for good.",
)


class EventLayoutApi(PublicApi, APIView):
    @extend_schema(
        operation_id="events_layout",
        summary="The seat layout of an event",
        description=(
            "Where every seat is and what it costs, in layout order; it does not change during "
            "a sale. Fetch it once with `?v=` set to the version, which is then cached for good, "
            "and follow availability with `GET /api/v1/events/{id}/availability`."
        ),
        parameters=[EVENT_ID, LAYOUT_VERSION],
        responses={200: SeatLayoutSerializer, 404: ERROR_RESPONSES[404]},
    )
    def get(self, request, pk):
        document = selectors.seat_layout(pk)
        if document is None:
            raise _event_not_found()
        if request.query_params.get("v") == document.version:
            cache_control = "public, max-age=31536000, immutable"
        else:
            cache_control = "public, max-age=30"
        return _document_response(request, document, cache_control)


class EventAvailabilityApi(PublicApi, APIView):
    @extend_schema(
        operation_id="events_availability",
        summary="Which seats are held and sold right now",
        description=(
            "Two bitsets over the layout order, at most a second old (a seat whose hold has "
            "run out is available). Send `If-None-Match` with the last ETag: 304 when nothing "
            "changed."
        ),
        parameters=[EVENT_ID],
        responses={200: SeatAvailabilitySerializer, 404: ERROR_RESPONSES[404]},
    )
    def get(self, request, pk):
        document = selectors.seat_availability(pk)
        if document is None:
            raise _event_not_found()
        return _document_response(request, document, "public, max-age=1")
