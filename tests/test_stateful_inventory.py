"""Property-based: random sequences of holds, releases, time passing, sweeps, payments and
cancellations, with the shop's invariants checked after every step."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from apps.bookings.models import Booking, Ticket
from apps.bookings.services import cancel_booking, confirm_booking
from apps.common.errors import ShopError
from apps.inventory.holds import expire_holds, hold_seats, release_hold
from apps.inventory.models import EventSeat, Hold
from apps.inventory.selectors import seat_counts
from apps.inventory.snapshot import forget as forget_taken_seats
from apps.payments.models import Payment
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event

CARDS = {
    "success": "4242424242424242",
    "decline": "4000000000000002",
    "flaky": "4000000000000119",
}
SEATS = 6
BUYERS = 3


class ShopMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.event = on_sale_event(rows=1, seats_per_row=SEATS)
        self.seat_ids = list(self.event.event_seats.order_by("id").values_list("id", flat=True))
        self.buyers = [UserFactory() for _ in range(BUYERS)]

    def _active_hold(self, buyer):
        return Hold.objects.filter(user=buyer, event=self.event, status="active").first()

    @rule(
        buyer=st.integers(0, BUYERS - 1),
        picks=st.lists(st.integers(0, SEATS - 1), min_size=1, max_size=3, unique=True),
    )
    def hold_chosen(self, buyer, picks):
        try:
            hold_seats(
                user=self.buyers[buyer],
                event_id=self.event.id,
                event_seat_ids=[self.seat_ids[i] for i in picks],
            )
        except ShopError as exc:
            assert exc.status_code in (404, 409, 422), exc

    @rule(buyer=st.integers(0, BUYERS - 1), quantity=st.integers(1, 3))
    def hold_best(self, buyer, quantity):
        try:
            hold_seats(user=self.buyers[buyer], event_id=self.event.id, quantity=quantity)
        except ShopError as exc:
            assert exc.code in ("no_adjacent_seats", "active_hold_exists"), exc

    @rule(buyer=st.integers(0, BUYERS - 1))
    def release(self, buyer):
        hold = self._active_hold(self.buyers[buyer])
        if hold is not None:
            release_hold(user=self.buyers[buyer], hold_id=hold.id)

    @rule(buyer=st.integers(0, BUYERS - 1))
    def time_passes_for(self, buyer):
        hold = self._active_hold(self.buyers[buyer])
        if hold is not None:
            past = timezone.now() - timedelta(seconds=1)
            Hold.objects.filter(pk=hold.pk).update(expires_at=past)
            EventSeat.objects.filter(hold=hold, status="held").update(held_until=past)
            forget_taken_seats()  # this process's view of taken seats would be as old

    @rule()
    def sweep(self):
        expire_holds()

    @rule(buyer=st.integers(0, BUYERS - 1), card=st.sampled_from(sorted(CARDS)))
    def pay(self, buyer, card):
        hold = self._active_hold(self.buyers[buyer])
        if hold is None:
            return
        details = CardDetails.parse(number=CARDS[card], exp_month=12, exp_year=2035, cvc="123")
        try:
            confirm_booking(user=self.buyers[buyer], hold_id=hold.id, card=details)
        except ShopError as exc:
            assert exc.code in ("payment_declined", "payment_processing_error", "hold_expired")

    @rule(buyer=st.integers(0, BUYERS - 1))
    def cancel(self, buyer):
        booking = Booking.objects.filter(user=self.buyers[buyer], status="confirmed").first()
        if booking is not None:
            cancel_booking(user=self.buyers[buyer], reference=booking.reference)

    @invariant()
    def no_seat_is_sold_or_held_twice(self):
        duplicates = (
            Ticket.objects.filter(event_seat__event=self.event, status="valid")
            .values("event_seat")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not duplicates.exists()
        held = EventSeat.objects.filter(
            event=self.event, status="held", held_until__gt=timezone.now()
        )
        assert not held.exclude(hold__status="active").exists()
        active_per_buyer = (
            Hold.objects.filter(event=self.event, status="active")
            .values("user")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not active_per_buyer.exists()

    @invariant()
    def sold_held_and_available_add_up_to_capacity(self):
        counts = seat_counts([self.event.id]).get(self.event.id)
        assert sum(counts.values()) == SEATS
        sold = EventSeat.objects.filter(event=self.event, status="sold").count()
        assert counts["sold"] == sold
        assert sold == Ticket.objects.filter(event_seat__event=self.event, status="valid").count()

    @invariant()
    def every_confirmed_booking_has_tickets_and_a_payment(self):
        for booking in Booking.objects.filter(event=self.event).prefetch_related(
            "tickets", "payments"
        ):
            payments = {p.status for p in booking.payments.all()}
            if booking.status == "confirmed":
                assert booking.tickets.all()
                assert all(t.status == "valid" for t in booking.tickets.all())
                assert sum(t.price for t in booking.tickets.all()) == booking.total
                assert "succeeded" in payments
            if booking.status in ("cancelled", "failed"):
                # Money taken for a booking that has no tickets is always given back.
                assert not {"succeeded", "pending"} & payments
        assert not Payment.objects.filter(booking__event=self.event, status="pending").exists()


@pytest.mark.django_db
def test_random_journeys_keep_the_invariants(settings):
    # No refusals from this process's snapshot of taken seats: a repeated attempt on a seat
    # goes to the row locks and the conditional update, as it would from another process.
    settings.TICKETING = {**settings.TICKETING, "TAKEN_SEATS_SECONDS": 0}
    run_state_machine_as_test(
        ShopMachine,
        settings=hypothesis_settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
