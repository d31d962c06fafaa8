"""The baseline the hold API is measured against: the least a Django endpoint can do to claim a
seat on the same tables. No DRF, no authentication, no Redis, no hold row: one conditional UPDATE
whose row count says whether this request won the seat.

It marks the seat sold (the only status that needs no hold row under the table's constraints),
so it must only ever run against the benchmark's own baseline event."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.inventory.models import EventSeat


@csrf_exempt
@require_POST
def claim_seat(request, event_id: int, event_seat_id: int):
    claimed = EventSeat.objects.filter(
        id=event_seat_id, event_id=event_id, status=EventSeat.Status.AVAILABLE
    ).update(status=EventSeat.Status.SOLD)
    if claimed:
        return JsonResponse({"seat": event_seat_id, "claimed": True}, status=200)
    return JsonResponse(
        {"code": "seats_unavailable", "seats": [event_seat_id], "claimed": False}, status=409
    )
