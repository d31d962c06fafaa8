"""Two app instances (two gunicorn processes, each with its own per-process state) and the
room's own server (uvicorn, ticketing/room_asgi.py) share one room through Redis: buyers join on
any of them, follow the room on all three, and admissions are counted once: no more than the
rate allows in the time, the same place and pass everywhere."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from apps.waitingroom import services
from tests import factories
from tests.processes import database_url_for_tests
from tests.stack.test_stack import free_port

from .rooms import room_event

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RATE = 300  # a minute: 5 a second


@pytest.fixture
def servers(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ticketing.settings.local",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url_for_tests(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "ticketing"),
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "SENTRY_DSN": "",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "ROOM_EDGE_THREADS": "4",
    }
    procs, urls = [], []
    servers = [
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "ticketing.wsgi"],
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "ticketing.wsgi"],
        [str(BIN / "uvicorn"), "ticketing.room_asgi:application", "--no-proxy-headers"],
    ]
    for n, command in enumerate(servers, start=1):
        port = free_port()
        if "uvicorn" in command[0]:
            command = [*command, "--host", "127.0.0.1", "--port", str(port)]
        log = (tmp_path / f"web{n}.log").open("wb")
        (tmp_path / f"prometheus-{n}").mkdir()  # gunicorn makes its own; uvicorn does not
        procs.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env={
                    **env,
                    "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"prometheus-{n}"),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        for url in urls:
            while True:
                assert all(p.poll() is None for p in procs), "an instance exited"
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the instances did not come up"
                time.sleep(0.2)
        yield urls
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def test_two_instances_and_the_room_server_share_one_room_and_count_admissions_once(servers):
    event = room_event(opens_in=3600, rate=RATE, paused=True)
    buyers = [factories.UserFactory() for _ in range(40)]
    auth = {b.pk: {"Authorization": f"Bearer {AccessToken.for_user(b)}"} for b in buyers}
    room = f"/api/v1/events/{event.pk}/room"
    with httpx.Client(timeout=10) as http:
        # Joined after opening (the room opens now, paused), in turn on each server.
        services.configure_room(event_id=event.pk, opens_at=event.room.opens_at.replace(year=2000))
        for i, buyer in enumerate(buyers):
            joined = http.post(servers[i % 3] + room, headers=auth[buyer.pk])
            assert joined.status_code == 200, joined.text
            assert joined.json()["position"] == i + 1

        services.resume_room(event_id=event.pk)
        started = time.monotonic()
        seen: dict[int, dict[int, str]] = {b.pk: {} for b in buyers}  # instance -> pass
        while time.monotonic() - started < 2.5:
            # Everybody follows the room on every server, as three tabs would.
            for buyer in buyers:
                for n, url in enumerate(servers):
                    body = http.get(url + room, headers=auth[buyer.pk]).json()
                    if body["state"] == "admitted":
                        seen[buyer.pk][n] = body["queue_pass"]
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        # A look lets in whoever is due, from the head of the line: a buyer looked at before
        # the one whose look let them in is seen only at the next look. Paused, nobody more is
        # let in, and one last look at everybody sees each as they are.
        services.pause_room(event_id=event.pk)
        for buyer in buyers:
            body = http.get(servers[0] + room, headers=auth[buyer.pk]).json()
            if body["state"] == "admitted":
                seen[buyer.pk].setdefault(0, body["queue_pass"])

        admitted = [b for b in buyers if seen[b.pk]]
        # Each server advancing its own count would let in about three times the rate.
        most = RATE / 60 * (elapsed + 1.2) + 1  # + a second of shared-state age
        assert 5 <= len(admitted) <= most, (len(admitted), elapsed)
        assert admitted == buyers[: len(admitted)]  # first come, first served, across both
        for buyer in admitted:  # one pass, whichever server (if several saw them let in)
            passes = set(seen[buyer.pk].values())
            assert len(passes) == 1, passes
        figures = services.room_figures(event.pk)
        assert figures.admitted >= len(admitted)
        assert figures.admitted <= RATE / 60 * (time.monotonic() - started + 0.2) + 1

        # A pass the room's server gave out holds seats on an instance.
        first = next(b for b in admitted if 2 in seen[b.pk])
        seats = list(event.event_seats.order_by("id").values_list("id", flat=True)[:2])
        held = http.post(
            servers[1] + "/api/v1/holds",
            json={"event": event.pk, "seats": seats},
            headers={**auth[first.pk], "X-Queue-Pass": seen[first.pk][2]},
        )
        assert held.status_code == 201, held.text
