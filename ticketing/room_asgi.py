"""The waiting room's own server (apps/waitingroom/edge.py), for uvicorn:

    uvicorn ticketing.room_asgi:application --port 8001 --no-proxy-headers

`--no-proxy-headers` matters: uvicorn would otherwise take the client's address from
X-Forwarded-For itself, and the room's rate limits read it as NUM_PROXIES says (as the rest of
the shop does). A proxy in front sends `/api/v1/events/<id>/room` here and everything else to
gunicorn; without one, gunicorn answers these paths the same way, only slower."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing.settings.production")
django.setup(set_prefix=False)

from apps.waitingroom.edge import RoomEdge  # noqa: E402 (after the settings are set up)

application = RoomEdge()
