from django.urls import path

from . import apis

urlpatterns = [
    path("checkin", apis.CheckInApi.as_view(), name="api-checkin"),
]
