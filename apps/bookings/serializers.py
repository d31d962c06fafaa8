from rest_framework import serializers

from apps.common.parsing import AsciiIntegerField

from .models import Booking, Ticket


class CardSerializer(serializers.Serializer):
    """Shape only: CardDetails.parse checks the number, expiry and code."""

    card_number = serializers.CharField(max_length=40)
    exp_month = AsciiIntegerField()
    exp_year = AsciiIntegerField()
    cvc = serializers.CharField(max_length=4)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class BookingCreateSerializer(serializers.Serializer):
    hold = serializers.UUIDField()
    payment = CardSerializer()


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
            "currency",
            "created_at",
            "confirmed_at",
            "cancelled_at",
            "tickets",
        ]
