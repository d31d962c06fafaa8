"""The real stack: gunicorn (2 workers), a Celery worker and Celery beat, started as separate
processes on the test database and a Redis broker, as `make stack` runs them. A hold whose time
runs out is released by beat and the worker alone; then every process started here is stopped,
whatever happened."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import redis
from django.conf import settings
from django.utils import timezone

from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat, Hold
from tests.factories import UserFactory, on_sale_event
from tests.processes import database_url_for_tests

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT = 25
SWEEP_TIMEOUT = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def broker_url() -> str:
    """STACK_TEST_BROKER_URL, else the cache's Redis with another database number: the broker's
    queues must not be flushed by the tests' cache.clear(), nor clash with the cache's keys
    (nor with the benchmark's databases 7-9 when the suite runs on the default database 1)."""
    if os.environ.get("STACK_TEST_BROKER_URL"):
        return os.environ["STACK_TEST_BROKER_URL"]
    cache = urlsplit(settings.CACHES["default"]["LOCATION"])
    db = int((cache.path or "/0").strip("/") or 0)
    return urlunsplit(cache._replace(path=f"/{(db + 12) % 16}"))


class Stack:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.web_port = free_port()
        self.worker_metrics_port = free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ticketing.settings.local",
            "DEBUG": "false",
            "DATABASE_URL": database_url_for_tests(),
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],
            "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "ticketing"),
            "CELERY_BROKER_URL": broker_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "HOLD_SWEEP_SECONDS": "1",
            "LOCKSTATS_ROLLUP_SECONDS": "1",
            "SENTRY_DSN": "",
            # /metrics is closed under these settings with DEBUG off, but to the scraper.
            "METRICS_ALLOWED_IPS": "127.0.0.1",
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self, name: str, argv: list[str], **env):
        if not self.procs:
            # The test broker starts empty: a queue left by an earlier run (a stack killed
            # before its worker drained it) would be worked off by this stack's worker.
            redis.Redis.from_url(self.env["CELERY_BROKER_URL"]).flushdb()
        log = self.workdir / f"{name}.log"
        self.logs[name] = log
        self.procs[name] = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            # Its own process group: stopping it stops its children (gunicorn and Celery
            # workers) and nothing else.
            start_new_session=True,
        )

    def start_all(self):
        self.start(
            "web",
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "ticketing.wsgi"],
            GUNICORN_BIND=f"127.0.0.1:{self.web_port}",
            GUNICORN_WORKERS="2",
            GUNICORN_THREADS="2",
            PROMETHEUS_MULTIPROC_DIR=str(self.workdir / "prometheus-web"),
        )
        (self.workdir / "prometheus-worker").mkdir()
        self.start(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "ticketing",
                "worker",
                "--loglevel",
                "info",
                "--concurrency",
                "1",
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                f"stack-test-{os.getpid()}@%h",
            ],
            PROMETHEUS_MULTIPROC_DIR=str(self.workdir / "prometheus-worker"),
            CELERY_METRICS_PORT=str(self.worker_metrics_port),
        )
        self.start(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "ticketing",
                "beat",
                "--loglevel",
                "info",
                "--schedule",
                str(self.workdir / "beat-schedule"),
            ],
        )

    def wait_until_up(self):
        deadline = time.monotonic() + START_TIMEOUT
        pending = {
            "web": f"{self.url}/readyz",
            "worker": f"http://127.0.0.1:{self.worker_metrics_port}/metrics",
        }
        while pending and time.monotonic() < deadline:
            for name, probe in list(pending.items()):
                self.check_alive()
                try:
                    if httpx.get(probe, timeout=1).status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        assert not pending, f"{sorted(pending)} did not come up\n{self.tails()}"

    def check_alive(self):
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        assert not dead, f"stack process exited: {dead}\n{self.tails()}"

    def tails(self) -> str:
        return "\n".join(
            f"--- {name} ---\n" + log.read_text(errors="replace")[-3000:]
            for name, log in self.logs.items()
            if log.exists()
        )

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        for proc in self.procs.values():
            # Children of a group leader that is gone still belong to its group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    """One stack for the module, on the session's test database (each test's own rows are
    committed, then flushed after it)."""
    running = Stack(tmp_path_factory.mktemp("stack"))
    try:
        running.start_all()
        running.wait_until_up()
        yield running
    finally:
        running.stop()


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_beat_and_the_worker_release_a_hold_whose_time_has_run_out(stack):
    event = on_sale_event(rows=1, seats_per_row=4)
    seats = list(event.event_seats.order_by("id").values_list("id", flat=True)[:2])
    hold = hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats)
    # The shortest hold an event allows is a minute: bring this one's end close.
    ends = timezone.now() + timedelta(seconds=2)
    Hold.objects.filter(pk=hold.pk).update(expires_at=ends)
    EventSeat.objects.filter(hold=hold).update(held_until=ends)

    deadline = time.monotonic() + SWEEP_TIMEOUT
    while time.monotonic() < deadline:
        stack.check_alive()
        if Hold.objects.get(pk=hold.pk).status == Hold.Status.EXPIRED:
            break
        time.sleep(0.25)
    hold.refresh_from_db()
    assert hold.status == Hold.Status.EXPIRED, f"beat never released the hold\n{stack.tails()}"
    assert hold.ended_at >= ends
    assert (
        list(EventSeat.objects.filter(id__in=seats).values_list("status", "hold_id", "held_until"))
        == [("available", None, None)] * 2
    )

    worker_metrics = httpx.get(f"http://127.0.0.1:{stack.worker_metrics_port}/metrics").text
    assert metric(worker_metrics, "ticketing_holds_expired_total") >= 1
    assert "expire_holds_task" in stack.logs["beat"].read_text()
    # The worker's lines carry the task id where a web request's carry the request id.
    assert re.search(
        r"\[task-[0-9a-f-]{36}\] expired holds released holds=1 seats=2",
        stack.logs["worker"].read_text(),
    ), stack.tails()


def test_metrics_add_up_across_gunicorn_workers(stack):
    requests = 24
    for _ in range(requests):
        # A new connection each time: the kernel hands them to either worker process.
        assert httpx.get(f"{stack.url}/healthz").status_code == 200
    text = httpx.get(f"{stack.url}/metrics").text
    name = (
        "django_http_requests_total_by_view_transport_method_total"
        '{method="GET",transport="http",view="healthz"}'
    )
    # Each worker counts what it served; /metrics reports the sum, the whole server's.
    assert metric(text, name) == requests
    assert "ticketing_holds_expired_total" in text  # the shop's own, from every worker


def test_gunicorn_leaves_long_and_large_api_requests_to_the_shop(stack):
    """Under gunicorn (issue 14, finding 7): an API address over 4 KB and a body over the limit
    are answered in the JSON error shape, not with gunicorn's or Django's HTML pages."""
    response = httpx.get(f"{stack.url}/api/v1/events", params={"q": "x" * 5000})
    assert response.status_code == 414
    assert response.json()["code"] == "uri_too_long"
    body = b'{"refresh": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    response = httpx.post(
        f"{stack.url}/api/v1/auth/token/refresh",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert "Traceback" not in stack.logs["web"].read_text()
