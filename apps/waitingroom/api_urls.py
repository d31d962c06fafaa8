from django.urls import path

from . import apis

urlpatterns = [
    path("events/<int:event_id>/room", apis.RoomApi.as_view(), name="api-room"),
]
