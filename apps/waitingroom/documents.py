"""A Place as JSON, for the API and the room's page alike."""

from rest_framework import serializers

_DATETIME = serializers.DateTimeField()


def _time(value):
    return None if value is None else _DATETIME.to_representation(value)


def place_document(place) -> dict:
    return {
        "event": place.event_id,
        "state": place.state,
        "position": place.position,
        "waiting": place.waiting,
        "estimated_wait_seconds": place.estimated_wait_seconds,
        "poll_seconds": place.poll_seconds,
        "opens_at": _time(place.opens_at),
        "paused": place.paused,
        "queue_pass": place.queue_pass,
        "pass_expires_at": _time(place.pass_expires_at),
    }
