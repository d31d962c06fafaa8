from django.urls import path

from . import views

app_name = "bookings"
urlpatterns = [
    path("", views.booking_list, name="list"),
    path("checkout/<uuid:hold_id>/", views.checkout, name="checkout"),
    path("<str:reference>/", views.booking_detail, name="detail"),
    path("<str:reference>/cancel/", views.booking_cancel, name="cancel"),
    path("<str:reference>/tickets.pdf", views.booking_tickets_pdf, name="tickets-pdf"),
]
