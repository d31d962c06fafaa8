from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.common.parsing import AsciiIntegerField

from .models import Booking, Ticket


class CardSerializer(serializers.Serializer):
    """Shape only: CardDetails.parse checks the number, expiry and code."""

    card_number = serializers.RegexField(
        r"^[0-9][0-9 -]{10,30}[0-9]$", help_text="12 to 19 digits; spaces and dashes allowed."
    )
    exp_month = AsciiIntegerField(min_value=1, max_value=12)
    exp_year = AsciiIntegerField(min_value=0, max_value=9999)
    cvc = serializers.RegexField(r"^[0-9]{3,4}$")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class BookingCreateSerializer(serializers.Serializer):
    """Either a gateway payment method (`pm_...`, made by Stripe.js or the mobile SDK) or, with
    the sandbox gateway only, a test card (`payment`)."""

    hold = serializers.UUIDField()
    # A PaymentMethod (pm_...) or a card Stripe.js tokenised (card_...), both accepted by
    # PaymentIntents.
    payment_method = serializers.RegexField(r"^(pm|card)_[A-Za-z0-9_]{1,96}$", required=False)
    payment = CardSerializer(required=False)

    def validate(self, attrs):
        if ("payment_method" in attrs) == ("payment" in attrs):
            raise serializers.ValidationError(
                {"payment_method": [_("Give a payment method (or, in the sandbox, a test card).")]}
            )
        return attrs


class PaymentPendingSerializer(serializers.Serializer):
    """202: the payment is not finished yet. With `requires_action`, the mobile SDK confirms
    3-D Secure with `client_secret`; then GET /bookings/{booking} shows it confirmed."""

    code = serializers.CharField()
    detail = serializers.CharField()
    status = serializers.ChoiceField(choices=["requires_action", "processing"])
    booking = serializers.CharField()
    client_secret = serializers.CharField(allow_blank=True)


class TicketSerializer(serializers.ModelSerializer):
    section = serializers.CharField(source="event_seat.seat.section")
    row = serializers.CharField(source="event_seat.seat.row")
    number = serializers.IntegerField(source="event_seat.seat.number")
    event_seat = serializers.IntegerField(source="event_seat_id")

    class Meta:
        model = Ticket
        fields = ["id", "code", "status", "event_seat", "section", "row", "number", "price"]


class BookingEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    venue = serializers.CharField(source="venue.name")
    city = serializers.CharField(source="venue.city")
    time_zone = serializers.CharField(
        source="venue.time_zone",
        help_text="The venue's IANA time zone: show starts_at on this clock.",
    )


class BookingSerializer(serializers.ModelSerializer):
    event = BookingEventSerializer()
    tickets = TicketSerializer(many=True)
    hold = serializers.UUIDField(source="hold_id")

    class Meta:
        model = Booking
        fields = [
            "reference",
            "status",
            "event",
            "hold",
            "total",
            "refunded_amount",
            "currency",
            "created_at",
            "confirmed_at",
            "cancelled_at",
            "tickets",
        ]
