from django.urls import path

from . import apis

urlpatterns = [
    path("bookings", apis.BookingListCreateApi.as_view(), name="api-bookings"),
    path("bookings/<str:reference>", apis.BookingDetailApi.as_view(), name="api-booking-detail"),
    path(
        "bookings/<str:reference>/cancel",
        apis.BookingCancelApi.as_view(),
        name="api-booking-cancel",
    ),
    path(
        "bookings/<str:reference>/tickets.pdf",
        apis.BookingTicketsPdfApi.as_view(),
        name="api-booking-tickets-pdf",
    ),
]
