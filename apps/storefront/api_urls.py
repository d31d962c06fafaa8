from django.urls import path

from . import apis

urlpatterns = [
    path("events", apis.EventListApi.as_view(), name="api-events-list"),
    path("events/<int:pk>", apis.EventDetailApi.as_view(), name="api-event-detail"),
    path("events/<int:pk>/seats", apis.EventSeatsApi.as_view(), name="api-event-seats"),
    path("events/<int:pk>/layout", apis.EventLayoutApi.as_view(), name="api-event-layout"),
    path(
        "events/<int:pk>/availability",
        apis.EventAvailabilityApi.as_view(),
        name="api-event-availability",
    ),
]
