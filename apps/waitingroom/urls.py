from django.urls import path

from . import views

app_name = "waitingroom"
urlpatterns = [
    path("<int:event_id>/", views.room, name="room"),
    path("<int:event_id>/join/", views.join, name="join"),
    path("<int:event_id>/status", views.status, name="status"),
]
