"""The shop's URLs plus the baseline endpoint the benchmark compares the hold API against."""

from django.urls import include, path

from bench import baseline

urlpatterns = [
    path(
        "bench/baseline/events/<int:event_id>/seats/<int:event_seat_id>/claim",
        baseline.claim_seat,
        name="bench-baseline-claim",
    ),
    path("", include("ticketing.urls")),
]

handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
