from django.urls import path

from . import views

app_name = "checkin"
urlpatterns = [
    path("", views.event_list, name="events"),
    path("<int:event_id>/", views.scanner, name="scanner"),
]
