from django.urls import path

from . import views

# Mounted under /bookings/ beside apps.bookings.urls: a hold is the first step of a booking.
app_name = "holds"
urlpatterns = [
    path("hold/<int:event_id>/", views.hold_create, name="create"),
    path("hold/<int:event_id>/resume/", views.hold_resume, name="resume"),
    path("checkout/<uuid:hold_id>/release/", views.hold_release, name="release"),
    path("checkout/<uuid:hold_id>/extend/", views.hold_extend, name="extend"),
]
