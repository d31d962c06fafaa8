from django.urls import path

from . import views

app_name = "bookings"
urlpatterns = [
    path("", views.booking_list, name="list"),
    path("hold/<int:event_id>/", views.hold_create, name="hold"),
    path("checkout/<uuid:hold_id>/", views.checkout, name="checkout"),
    path("checkout/<uuid:hold_id>/release/", views.hold_release, name="release"),
    path("checkout/<uuid:hold_id>/extend/", views.hold_extend, name="extend"),
    path("<str:reference>/", views.booking_detail, name="detail"),
    path("<str:reference>/cancel/", views.booking_cancel, name="cancel"),
]
