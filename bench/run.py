"""The flash-sale benchmark behind `make bench` (issue 6).

Starts the shop under gunicorn with production settings on PostgreSQL + Redis, creates an event
and a crowd of buyers with ready JWTs, and drives the rush with an asyncio load generator that
keeps a fixed number of requests in flight. In the same run it measures a plain-Django baseline
that claims seats with one conditional UPDATE, the seat-map read against /healthz, the same rush
against two gunicorn instances, and the expiry sweep of 100,000 expired holds; then it checks
the invariants in the database and writes bench/results/*.json and *.png.

Everything it starts it stops, on success, failure or Ctrl-C. Every loop is bounded in count and
time, and it only ever talks to 127.0.0.1.

    .venv/bin/python bench/run.py            # the full run (what `make bench` does)
    .venv/bin/python bench/run.py --quick    # a smaller, faster run to try things out
    .venv/bin/python bench/run.py --serve    # prepare, start the shop and wait (for Locust)
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import base64
import contextlib
import json
import math
import os
import platform
import random
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if __name__ == "__main__":
    # bench/room.py imports this module as bench.run: the same module, not a second copy.
    sys.modules.setdefault("bench.run", sys.modules[__name__])

from bench import room  # noqa: E402
from bench.standing import StandingRush, create_standing_event  # noqa: E402

RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

# Each buyer wants 1 to 4 adjacent seats, pairs most often.
QUANTITIES = (1, 2, 3, 4)
QUANTITY_WEIGHTS = (0.25, 0.40, 0.15, 0.20)
# How much less likely each row is than the one in front of it.
ROW_DECAY = 0.85
SUCCESS_CARD = {
    "card_number": "4242424242424242",
    "exp_month": 12,
    "exp_year": 2030,
    "cvc": "123",
    "name": "Bench Buyer",
}


# --------------------------------------------------------------------------- configuration


def parse_args(argv=None) -> argparse.Namespace:
    env = os.environ.get
    cores = os.cpu_count() or 2
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=int(env("BENCH_ROWS", 20)))
    p.add_argument("--seats-per-row", type=int, default=int(env("BENCH_SEATS_PER_ROW", 100)))
    p.add_argument("--buyers", type=int, default=int(env("BENCH_BUYERS", 4000)))
    p.add_argument("--concurrency", type=int, default=int(env("BENCH_CONCURRENCY", 128)))
    p.add_argument(
        "--workers",
        type=int,
        default=int(env("BENCH_WORKERS", 2 * cores)),
        help="gunicorn workers per instance (default: 2 per core)",
    )
    p.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", 4)))
    p.add_argument(
        "--scaleout-workers",
        type=int,
        default=None,
        help="gunicorn workers of each of the two instances (default: half of --workers, so\n"
        "that both together have what one instance has: on one machine they share its cores)",
    )
    p.add_argument("--port", type=int, default=int(env("BENCH_PORT", 8111)))
    p.add_argument("--retries", type=int, default=5, help="new choices after a 409")
    p.add_argument("--best-share", type=float, default=0.2, help="buyers asking best-available")
    p.add_argument("--pay-share", type=float, default=0.5, help="holders who then pay")
    p.add_argument("--phase-seconds", type=float, default=6.0, help="healthz and seat-map phases")
    p.add_argument("--rush-timeout", type=float, default=240.0, help="upper bound of one rush")
    p.add_argument("--sweep-holds", type=int, default=int(env("BENCH_SWEEP_HOLDS", 100_000)))
    p.add_argument("--sweep-seats-per-hold", type=int, default=2)
    p.add_argument(
        "--idempotency-keys",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send an Idempotency-Key with every hold and booking, as the mobile client does",
    )
    p.add_argument(
        "--big-rows", type=int, default=int(env("BENCH_BIG_ROWS", 100)), help="the stadium rush"
    )
    p.add_argument(
        "--big-seats-per-row", type=int, default=int(env("BENCH_BIG_SEATS_PER_ROW", 200))
    )
    p.add_argument("--big-buyers", type=int, default=int(env("BENCH_BIG_BUYERS", 8000)))
    p.add_argument("--skip-big", action="store_true", help="no stadium rush")
    p.add_argument("--skip-standing", action="store_true", help="no general-admission rush")
    p.add_argument("--skip-scaleout", action="store_true")
    p.add_argument("--skip-sweep", action="store_true")
    p.add_argument("--quick", action="store_true", help="small sizes for a fast try-out")
    room.add_arguments(p)
    p.add_argument("--serve", action="store_true", help="prepare, serve and wait (for Locust)")
    p.add_argument("--serve-minutes", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=6)
    p.add_argument(
        "--database-url",
        default=env("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ticketing_bench"),
    )
    p.add_argument("--redis-url", default=env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    p.add_argument("--broker-url", default=env("BENCH_BROKER_URL", "redis://127.0.0.1:6379/8"))
    p.add_argument("--log-level", default=env("BENCH_LOG_LEVEL", "INFO"), help="the shop's")
    args = p.parse_args(argv)
    if args.quick:
        args.rows, args.seats_per_row, args.buyers = 5, 40, 400
        args.big_rows, args.big_seats_per_row, args.big_buyers = 10, 100, 800
        args.phase_seconds = min(args.phase_seconds, 3.0)
        args.sweep_holds = min(args.sweep_holds, 10_000)
        room.quick(args)
    for url in (args.database_url, args.redis_url, args.broker_url):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            p.error(f"the benchmark only runs against 127.0.0.1: {url}")
    if "bench" not in urlsplit(args.database_url).path:
        p.error("the benchmark drops and recreates its database: its name must contain 'bench'")
    if args.buyers < 1 or args.concurrency < 1 or args.rows < 1 or args.seats_per_row < 4:
        p.error("buyers, concurrency and rows must be at least 1, seats per row at least 4")
    return args


def shop_environment(args, secret_key: str) -> dict[str, str]:
    """The environment of the shop processes and of this harness (same database, same keys)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=secret_key,
        JWT_SIGNING_KEY=secret_key[::-1],
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CELERY_BROKER_URL=args.broker_url,
        CACHE_KEY_PREFIX="bench",
        # Tokens are minted once at setup and must outlive the whole run.
        JWT_ACCESS_MINUTES="240",
        LOG_LEVEL=args.log_level,
        PYTHONUNBUFFERED="1",
    )
    # Every simulated buyer comes from 127.0.0.1: the per-address limits would stop the crowd
    # after a few hundred requests. The per-account limits stay as shipped (and are paid for).
    for action in ("HOLD", "BOOKING", "CANCEL", "ROOM_JOIN"):
        env[f"THROTTLE_{action}_IP"] = "100000000/min"
    env.pop("SENTRY_DSN", None)
    return env


# --------------------------------------------------------------------------- processes


class Processes:
    """Every process the harness starts, each in its own session so that its whole group
    (gunicorn master and workers) can be stopped; stopped on exit, failure and signals."""

    def __init__(self):
        self.running: list[subprocess.Popen] = []

    def start(self, cmd: list[str], env: dict, log_path: Path) -> subprocess.Popen:
        log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc._bench_log = log
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 10.0):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        proc._bench_log.close()
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self):
        for proc in list(self.running):
            self.stop(proc)


PROCESSES = Processes()


def _on_signal(signum, frame):
    raise SystemExit(f"interrupted by signal {signum}")


# --------------------------------------------------------------------------- database setup


def recreate_database(database_url: str):
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(*urls: str):
    import redis

    for url in urls:
        client = redis.Redis.from_url(url)
        client.flushdb()
        client.close()


def setup_django(env: dict):
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    # The shop processes log as configured; the harness's own setup chatter is not the point.
    logging.getLogger().setLevel(logging.WARNING)


def create_event(label: str, rows: int, seats_per_row: int) -> tuple[int, dict[int, list]]:
    """An on-sale event with one section of rows x seats_per_row, created through the shop's own
    services. Returns its id and its layout {row: [(number, event_seat_id), ...]}."""
    from django.utils import timezone

    from apps.events.models import Event, PriceTier, TierAssignment, Venue
    from apps.inventory.layouts import generate_seat_layout
    from apps.inventory.models import EventSeat
    from apps.inventory.publishing import publish_event

    venue = Venue.objects.create(name=f"Bench hall {label}", city="Benchville")
    generate_seat_layout(venue=venue, sections=["A"], rows=rows, seats_per_row=seats_per_row)
    event = Event.objects.create(
        venue=venue,
        title=f"Flash sale {label}",
        slug=f"flash-sale-{label}",
        starts_at=timezone.now() + timedelta(days=30),
        hold_minutes=10,
        max_seats_per_order=8,
    )
    PriceTier.objects.create(event=event, name="Standard", price=Decimal("45.00"))
    front = PriceTier.objects.create(event=event, name="Front", price=Decimal("90.00"))
    for row in range(1, min(rows, 5) + 1):
        TierAssignment.objects.create(event=event, price_tier=front, section="A", row=str(row))
    publish_event(event_id=event.pk)
    layout: dict[int, list] = defaultdict(list)
    for es_id, row, number in EventSeat.objects.filter(event=event).values_list(
        "id", "seat__row", "seat__number"
    ):
        layout[int(row)].append((number, es_id))
    for seats in layout.values():
        seats.sort()
    return event.pk, dict(layout)


def create_buyers(count: int) -> list[str]:
    """Buyers created in bulk with one password hash, each with a ready access token."""
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.accounts.models import User

    password = make_password(secrets.token_urlsafe(12))
    User.objects.bulk_create(
        [
            User(email=f"buyer{i:06d}@bench.example", full_name=f"Buyer {i}", password=password)
            for i in range(count)
        ],
        batch_size=2000,
    )
    users = User.objects.filter(email__endswith="@bench.example").order_by("email")
    # AccessToken directly: RefreshToken.for_user would also write an OutstandingToken row each.
    return [str(AccessToken.for_user(user)) for user in users]


# --------------------------------------------------------------------------- servers


ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"


def gunicorn_command(args, port: int, access_log: Path, workers: int) -> list[str]:
    cmd = [str(VENV_BIN / "gunicorn")]
    if (ROOT / "gunicorn.conf.py").exists():
        cmd += ["-c", "gunicorn.conf.py"]
    # Command-line flags win over the config file: the harness decides bind, workers, threads.
    cmd += [
        "ticketing.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--keep-alive",
        "30",
        "--backlog",
        "2048",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        # Time spent inside the server per request (microseconds), to tell service time from
        # time queued in front of it.
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        ACCESS_FORMAT,
    ]
    return cmd


def scaleout_workers(args) -> int:
    return args.scaleout_workers or max(1, args.workers // 2)


def start_shop(
    args, env: dict, port: int, tag: str, workers: int | None = None
) -> subprocess.Popen:
    # gunicorn.conf.py gives each port its own Prometheus directory and empties it at start.
    env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    log_path = RESULTS / f"gunicorn-{tag}-{port}.log"
    log_path.write_bytes(b"")
    access_log = RESULTS / f"access-{tag}-{port}.log"
    access_log.write_bytes(b"")
    command = gunicorn_command(args, port, access_log, workers or args.workers)
    proc = PROCESSES.start(command, env, log_path)
    proc.access_log = access_log
    wait_ready(port, proc, log_path)
    return proc


def _kind_of(method: str, path: str) -> str:
    if path.startswith("/api/v1/holds"):
        return "hold"
    if path.startswith("/api/v1/bookings"):
        return "booking"
    if path.startswith("/api/v1/events/") and path.endswith(("/seats", "/availability")):
        return "seat_map"
    if path.startswith("/api/v1/events/") and "/layout" in path:
        return "seat_map"
    if path.startswith("/bench/baseline/"):
        return "baseline"
    if path.startswith("/api/v1/events/") and path.endswith("/room"):
        return "room-join" if method == "POST" else "room-status"
    return path.strip("/") or "root"


class ServerMeter:
    """What the shop processes themselves spent during a phase: CPU seconds of every process of
    each gunicorn group (workers that exited are in the master's reaped-children time) and the
    per-request service time from the access log."""

    def __init__(self, shops: list[subprocess.Popen]):
        self.shops = shops
        self.cpu0 = self.offsets = None

    @staticmethod
    def group_cpu(pgid: int) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                # utime, stime, and the reaped children's cutime, cstime
                total += sum(int(f) for f in fields[11:15])
        return total / ticks

    def start(self):
        self.cpu0 = sum(self.group_cpu(p.pid) for p in self.shops)
        self.offsets = [p.access_log.stat().st_size for p in self.shops]
        return self

    def stop(self) -> dict:
        time.sleep(0.2)  # the last access-log lines are written after the response
        cpu = sum(self.group_cpu(p.pid) for p in self.shops) - self.cpu0
        service: dict[str, list[float]] = defaultdict(list)
        for proc, offset in zip(self.shops, self.offsets, strict=True):
            with open(proc.access_log, "rb") as log:
                log.seek(offset)
                for line in log.read().decode(errors="replace").splitlines():
                    parts = line.split()
                    if len(parts) == 4 and parts[3].isdigit():
                        service[_kind_of(parts[0], parts[1])].append(int(parts[3]) / 1e6)
        return {"cpu_seconds": cpu, "service": service}


def server_figures(meter: dict, kinds: list[str], requests: int) -> dict:
    """Server CPU per request over the phase and service-time percentiles of these kinds."""
    out = {
        "server_cpu_s": round(meter["cpu_seconds"], 2),
        "server_cpu_ms_per_request": round(meter["cpu_seconds"] * 1000 / requests, 2)
        if requests
        else None,
    }
    for kind in kinds:
        values = sorted(meter["service"].get(kind, []))
        if values:
            out[f"{kind}_service_p50_ms"] = round(percentile(values, 50) * 1000, 1)
            out[f"{kind}_service_p99_ms"] = round(percentile(values, 99) * 1000, 1)
    return out


def wait_ready(port: int, proc: subprocess.Popen, log_path: Path, timeout: float = 45.0):
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn on port {port} exited; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"gunicorn on port {port} not ready after {timeout:.0f}s; see {log_path}")


# --------------------------------------------------------------------------- load generator


class Recorder:
    """One sample per request: (kind, start offset s, latency s, status); 0 = no response."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.samples: list[tuple[str, float, float, int]] = []

    def add(self, kind: str, started: float, ended: float, status: int):
        self.samples.append((kind, started - self.t0, ended - started, status))

    def of(self, kind: str):
        return [s for s in self.samples if s[0] == kind]


class Client:
    """Requests to one or more shop instances (alternating), recorded by kind."""

    def __init__(self, session, ports: list[int], recorder: Recorder, deadline: float):
        self.session = session
        self.bases = [f"http://{HOST}:{port}" for port in ports]
        self.recorder = recorder
        self.deadline = deadline
        self.turn = 0

    async def call(self, kind, method, path, *, json_body=None, headers=None, parse=True):
        import aiohttp

        if time.perf_counter() > self.deadline:
            return -1, None, None
        base = self.bases[self.turn % len(self.bases)]
        self.turn += 1
        started = time.perf_counter()
        data = resp_headers = None
        try:
            async with self.session.request(
                method, base + path, json=json_body, headers=headers
            ) as resp:
                status = resp.status
                body = await resp.read()
                resp_headers = resp.headers
            if parse and body and status != 304:
                try:
                    data = json.loads(body)
                except ValueError:
                    data = None
        except (TimeoutError, aiohttp.ClientError, OSError):
            status = 0
        self.recorder.add(kind, started, time.perf_counter(), status)
        return status, data, resp_headers


def client_session(concurrency: int):
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency + 8, keepalive_timeout=20)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=30),
        headers={"Accept": "application/json"},
    )


async def run_for(seconds: float, concurrency: int, one_request, max_requests: int):
    """Keeps `concurrency` requests in flight for `seconds` (or until max_requests)."""
    deadline = time.perf_counter() + seconds
    budget = iter(range(max_requests))

    async def worker(slot: int):
        state: dict = {}
        for _ in budget:
            if time.perf_counter() >= deadline:
                break
            await one_request(slot, state)

    await asyncio.gather(*(worker(n) for n in range(concurrency)))


async def run_journeys(count: int, concurrency: int, journey) -> Counter:
    """`concurrency` buyers at a time, each running its journey (sequential requests)."""
    buyers = iter(range(count))
    outcomes: Counter = Counter()

    async def worker():
        for index in buyers:
            outcomes[await journey(index)] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcomes


class SeatView:
    """What the crowd believes is free: a snapshot of taken seats, replaced about once a second
    (a browser's seat map is that stale), plus what each buyer learned from their own 409s."""

    def __init__(self, layout: dict[int, list]):
        self.layout = layout
        self.rows = sorted(layout)
        self.row_weights = [ROW_DECAY ** (row - 1) for row in self.rows]
        self.taken: frozenset = frozenset()
        self.free_in_row = {row: len(seats) for row, seats in layout.items()}
        self.centre = {
            row: (seats[0][0] + seats[-1][0]) / 2 for row, seats in layout.items() if seats
        }

    def replace(self, taken):
        self.taken = frozenset(taken)
        self.free_in_row = {
            row: sum(1 for _, es in seats if es not in self.taken)
            for row, seats in self.layout.items()
        }

    def choose(self, rng: random.Random, quantity: int, avoid: set) -> list[int] | None:
        """A block of `quantity` adjacent seats this buyer believes free: front rows more often,
        the middle of a row more often than its ends."""
        rows = [r for r in self.rows if self.free_in_row[r] >= quantity]
        weights = [self.row_weights[self.rows.index(r)] for r in rows]
        while rows:
            row = rng.choices(rows, weights)[0]
            blocks = self._blocks(row, quantity, avoid)
            if blocks:
                centre = self.centre[row]
                block_weights = [
                    1.0 / (1.0 + abs((b[0][0] + b[-1][0]) / 2 - centre) / 10) for b in blocks
                ]
                block = rng.choices(blocks, block_weights)[0]
                return [es for _, es in block]
            at = rows.index(row)
            del rows[at], weights[at]
        return None

    def _blocks(self, row: int, quantity: int, avoid: set):
        blocks, run = [], []
        for number, es in self.layout[row]:
            free = es not in self.taken and es not in avoid
            if free and (not run or run[-1][0] == number - 1):
                run.append((number, es))
            elif free:
                run = [(number, es)]
            else:
                run = []
            if len(run) >= quantity:
                blocks.append(run[-quantity:])
        return blocks


class Rush:
    """The buyers' journey against the shop: hold (chosen seats or best-available), retry on a
    409 with another choice, then half of the holders pay."""

    def __init__(self, args, event_id: int, layout, tokens: list[str], client: Client, tag: str):
        self.args = args
        self.event_id = event_id
        self.view = SeatView(layout)
        self.tokens = tokens
        self.client = client
        self.tag = tag
        self.known_taken: set[int] = set()
        self.holds: list[dict] = []
        self.bookings: list[dict] = []
        self.demand = 0
        self.unexpected: Counter = Counter()
        self.map_reads = 0

    def headers(self, index: int, key: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.tokens[index]}"}
        if key and self.args.idempotency_keys:
            headers["Idempotency-Key"] = key
        return headers

    async def journey(self, index: int) -> str:
        rng = random.Random(self.args.seed * 1_000_003 + index)
        want = rng.choices(QUANTITIES, QUANTITY_WEIGHTS)[0]
        self.demand += want
        best = rng.random() < self.args.best_share
        pays = rng.random() < self.args.pay_share
        avoid: set[int] = set()
        for attempt in range(self.args.retries + 1):
            block = None if best else self.view.choose(rng, want, avoid)
            body = {"event": self.event_id}
            if block:
                body["seats"] = block
            else:
                body["quantity"] = want
            key = f"{self.tag}-hold-{index}-{attempt}"
            status, data, _ = await self.client.call(
                "hold", "POST", "/api/v1/holds", json_body=body, headers=self.headers(index, key)
            )
            if status == 201:
                seats = [seat["id"] for seat in data["seats"]]
                self.known_taken.update(seats)
                hold = {"buyer": index, "id": data["id"], "seats": seats, "paid": False}
                self.holds.append(hold)
                if pays:
                    await self.pay(index, hold)
                return "held+paid" if hold["paid"] else "held"
            if status == 409 and isinstance(data, dict):
                code = data.get("code")
                if code in ("seats_unavailable", "seat_busy"):
                    lost = data.get("seats") or block or []
                    avoid.update(lost)
                    if code == "seats_unavailable":
                        self.known_taken.update(lost)
                    continue
                if code == "no_adjacent_seats":
                    if want == 1:
                        return "sold out"
                    want -= 1
                    continue
            self.unexpected[f"hold {status} {(data or {}).get('code', '')}".strip()] += 1
            return f"hold failed ({status})"
        return "gave up"

    async def pay(self, index: int, hold: dict):
        status, data, _ = await self.client.call(
            "booking",
            "POST",
            "/api/v1/bookings",
            json_body={"hold": hold["id"], "payment": SUCCESS_CARD},
            headers=self.headers(index, f"{self.tag}-pay-{index}"),
        )
        if status == 201:
            hold["paid"] = True
            self.bookings.append({"buyer": index, "hold": hold["id"], "data": data})
        else:
            self.unexpected[f"booking {status} {(data or {}).get('code', '')}".strip()] += 1

    async def refresh_view(self, stop: asyncio.Event):
        """Replaces the crowd's snapshot about once a second, as the event page does: the
        layout once, then the availability bitsets with their ETag; else from what the harness
        itself has seen taken (just as stale)."""
        base = f"/api/v1/events/{self.event_id}"
        order, etag = None, None
        for _ in range(int(self.args.rush_timeout * 2) + 10):
            if stop.is_set():
                return
            taken = None
            if order is None:
                status, data, _ = await self.client.call(
                    "map-poll", "GET", f"{base}/layout", headers=self.headers(0)
                )
                if status == 200 and isinstance(data, dict):
                    order = [seat[0] for seat in data["seats"]]
            if order is not None:
                headers = self.headers(0)
                if etag:
                    headers["If-None-Match"] = etag
                status, data, resp_headers = await self.client.call(
                    "map-poll", "GET", f"{base}/availability", headers=headers
                )
                if status == 304:
                    taken = self.view.taken
                elif status == 200:
                    taken = taken_from_bits(order, data)
                    etag = (resp_headers or {}).get("ETag")
            if taken is None:
                taken = set(self.known_taken)
            else:
                self.map_reads += 1
            self.view.replace(taken)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)


def taken_from_bits(order: list[int], data: dict) -> set[int]:
    """Seat ids held or sold in an availability answer (bitsets over the layout order)."""
    held, sold = base64.b64decode(data["held"]), base64.b64decode(data["sold"])
    taken = set()
    for n, seat_id in enumerate(order):
        byte, bit = n >> 3, 1 << (n & 7)
        if held[byte] & bit or sold[byte] & bit:
            taken.add(seat_id)
    return taken


def taken_from_map(data) -> set[int] | None:
    """Seat ids not available in a seat-map response; None when the shape is not understood."""
    seats = data
    if isinstance(data, dict):
        seats = data.get("seats") or data.get("results")
        if seats is None and isinstance(data.get("sections"), list):
            seats = [
                seat
                for section in data["sections"]
                for row in section.get("rows", [])
                for seat in row.get("seats", [])
            ]
    if not isinstance(seats, list) or not seats or not isinstance(seats[0], dict):
        return None
    taken = set()
    for seat in seats:
        status = seat.get("status") or seat.get("public_status")
        if status is None or "id" not in seat:
            return None
        if status != "available":
            taken.add(seat["id"])
    return taken


class BaselineRush:
    """The same crowd, seat choice and retries against the baseline endpoint (one seat each)."""

    def __init__(self, args, event_id: int, layout, client: Client):
        self.args = args
        self.event_id = event_id
        self.view = SeatView(layout)
        self.client = client
        self.known_taken: set[int] = set()
        self.claimed: list[int] = []

    async def journey(self, index: int) -> str:
        rng = random.Random(self.args.seed * 1_000_003 + index)
        avoid: set[int] = set()
        for _ in range(self.args.retries + 1):
            block = self.view.choose(rng, 1, avoid)
            if block is None:
                return "sold out"
            seat = block[0]
            status, _, _ = await self.client.call(
                "baseline",
                "POST",
                f"/bench/baseline/events/{self.event_id}/seats/{seat}/claim",
                parse=False,
            )
            if status == 200:
                self.known_taken.add(seat)
                self.claimed.append(seat)
                return "claimed"
            if status != 409:
                return f"failed ({status})"
            avoid.add(seat)
            self.known_taken.add(seat)
        return "gave up"

    async def refresh_view(self, stop: asyncio.Event):
        for _ in range(int(self.args.rush_timeout) + 10):
            if stop.is_set():
                return
            self.view.replace(self.known_taken)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)


async def drive(rush, args, buyers: int) -> tuple[Counter, float]:
    stop = asyncio.Event()
    refresher = asyncio.create_task(rush.refresh_view(stop))
    started = time.perf_counter()
    try:
        outcomes = await asyncio.wait_for(
            run_journeys(buyers, args.concurrency, rush.journey), timeout=args.rush_timeout + 30
        )
    finally:
        stop.set()
        await refresher
    return outcomes, time.perf_counter() - started


async def phase_rush(args, ports, event_id, layout, tokens, tag) -> dict:
    recorder = Recorder()
    async with client_session(args.concurrency) as session:
        client = Client(session, ports, recorder, time.perf_counter() + args.rush_timeout)
        rush = Rush(args, event_id, layout, tokens, client, tag)
        outcomes, elapsed = await drive(rush, args, len(tokens))
    return {"recorder": recorder, "rush": rush, "outcomes": outcomes, "elapsed": elapsed}


async def phase_standing_rush(args, ports, event_id, tokens, tag) -> dict:
    recorder = Recorder()
    async with client_session(args.concurrency) as session:
        client = Client(session, ports, recorder, time.perf_counter() + args.rush_timeout)
        rush = StandingRush(
            args,
            event_id,
            tokens,
            client,
            tag,
            card=SUCCESS_CARD,
            quantities=QUANTITIES,
            weights=QUANTITY_WEIGHTS,
        )
        started = time.perf_counter()
        outcomes = await asyncio.wait_for(
            run_journeys(len(tokens), args.concurrency, rush.journey),
            timeout=args.rush_timeout + 30,
        )
        elapsed = time.perf_counter() - started
    return {"recorder": recorder, "rush": rush, "outcomes": outcomes, "elapsed": elapsed}


async def phase_baseline(args, port, event_id, layout, buyers) -> dict:
    recorder = Recorder()
    async with client_session(args.concurrency) as session:
        client = Client(session, [port], recorder, time.perf_counter() + args.rush_timeout)
        rush = BaselineRush(args, event_id, layout, client)
        outcomes, elapsed = await drive(rush, args, buyers)
    return {"recorder": recorder, "rush": rush, "outcomes": outcomes, "elapsed": elapsed}


async def phase_reads(args, port, kind, path, token=None, conditional=False) -> Recorder:
    recorder = Recorder()
    async with client_session(args.concurrency) as session:
        client = Client(session, [port], recorder, time.perf_counter() + args.phase_seconds + 30)

        async def one(slot, state):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            if conditional and state.get("etag"):
                headers["If-None-Match"] = state["etag"]
            status, _, resp_headers = await client.call(
                kind, "GET", path, headers=headers, parse=False
            )
            if conditional and status == 200 and resp_headers is not None:
                state["etag"] = resp_headers.get("ETag")

        await run_for(args.phase_seconds, args.concurrency, one, max_requests=200_000)
    return recorder


async def phase_warmup(args, ports, event_id, layout, tokens):
    """Every worker imports its code paths and opens its connections before anything counts."""
    recorder = Recorder()
    async with client_session(args.concurrency) as session:
        client = Client(session, ports, recorder, time.perf_counter() + 60)

        async def one(slot, state):
            await client.call("warmup", "GET", "/healthz", parse=False)
            await client.call(
                "warmup",
                "GET",
                f"/api/v1/events/{event_id}/seats",
                parse=False,
                headers={"Authorization": f"Bearer {tokens[0]}"},
            )

        await run_for(2.0, min(args.concurrency, 32), one, max_requests=2000)
        warm = Rush(args, event_id, layout, tokens, client, "warmup")
        await run_journeys(min(len(tokens), 64), 16, warm.journey)
    return recorder


# --------------------------------------------------------------------------- statistics


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, math.ceil(pct / 100 * len(sorted_values)) - 1)
    return sorted_values[rank]


def summarise(samples, elapsed: float | None = None) -> dict:
    if not samples:
        return {"requests": 0}
    latencies = sorted(s[2] for s in samples)
    first = min(s[1] for s in samples)
    last = max(s[1] + s[2] for s in samples)
    span = elapsed if elapsed else max(last - first, 1e-9)
    statuses = Counter(s[3] for s in samples)
    return {
        "requests": len(samples),
        "seconds": round(span, 3),
        "rps": round(len(samples) / span, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p90_ms": round(percentile(latencies, 90) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors_5xx": sum(v for k, v in statuses.items() if k >= 500),
        "no_response": statuses.get(0, 0),
    }


def timeline(samples, bucket: float = 1.0) -> dict:
    """Per-second completions by outcome and latency percentiles, for the chart."""
    if not samples:
        return {}
    first = min(s[1] for s in samples)
    by_bucket: dict[int, list] = defaultdict(list)
    for kind, start, latency, status in samples:
        by_bucket[int((start + latency - first) // bucket)].append((kind, latency, status))
    out = defaultdict(list)
    for b in range(max(by_bucket) + 1):
        items = by_bucket.get(b, [])
        holds = sorted(lat for kind, lat, _ in items if kind == "hold")
        out["t"].append(b * bucket)
        out["hold_2xx"].append(sum(1 for k, _, s in items if k == "hold" and 200 <= s < 300))
        out["hold_409"].append(sum(1 for k, _, s in items if k == "hold" and s == 409))
        out["booking_2xx"].append(sum(1 for k, _, s in items if k == "booking" and 200 <= s < 300))
        for pct in (50, 95, 99):
            value = percentile(holds, pct) * 1000 if holds else None
            out[f"hold_p{pct}_ms"].append(value)
    return dict(out)


# --------------------------------------------------------------------------- invariants


def check_invariants(event_id: int, rush: Rush, outcomes: Counter) -> dict:
    from django.db.models import Count, Exists, OuterRef

    from apps.bookings.models import Booking, Ticket
    from apps.inventory.models import EventSeat, Hold
    from apps.inventory.seats import free_seat_q

    reported = Counter(seat for hold in rush.holds for seat in hold["seats"])
    seats_held_twice = sorted(seat for seat, n in reported.items() if n > 1)
    seats_sold_twice = (
        Ticket.objects.filter(event_seat__event_id=event_id, status=Ticket.Status.VALID)
        .values("event_seat_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    live_ticket = Ticket.objects.filter(event_seat=OuterRef("pk"), status=Ticket.Status.VALID)
    seats = EventSeat.objects.filter(event_id=event_id)
    sold_without_ticket = (
        seats.filter(status=EventSeat.Status.SOLD).exclude(Exists(live_ticket)).count()
    )
    held_by_dead_hold = (
        seats.filter(status=EventSeat.Status.HELD).exclude(hold__status=Hold.Status.ACTIVE).count()
    )
    # Every seat a buyer was told is theirs is still theirs: held by that hold, or sold to them.
    db_held = dict(seats.filter(status=EventSeat.Status.HELD).values_list("id", "hold_id"))
    paid_holds = {b["hold"] for b in rush.bookings}
    ticket_holds = dict(
        Ticket.objects.filter(
            event_seat__event_id=event_id, status=Ticket.Status.VALID
        ).values_list("event_seat_id", "booking__hold_id")
    )
    lost = 0
    for hold in rush.holds:
        for seat in hold["seats"]:
            owner = ticket_holds.get(seat) if hold["id"] in paid_holds else db_held.get(seat)
            if owner is None or str(owner) != hold["id"]:
                lost += 1
    confirmed = Booking.objects.filter(event_id=event_id, status=Booking.Status.CONFIRMED).count()
    total = seats.count()
    available = seats.filter(free_seat_q()).count()
    return {
        "seats": total,
        "demand_seats": rush.demand,
        "seats_held_twice": len(seats_held_twice),
        "seats_sold_twice": seats_sold_twice,
        "sold_without_ticket": sold_without_ticket,
        "held_by_ended_hold": held_by_dead_hold,
        "buyer_seats_not_theirs": lost,
        "holds_created": len(rush.holds),
        "bookings_confirmed_api": len(rush.bookings),
        "bookings_confirmed_db": confirmed,
        "sold": seats.filter(status=EventSeat.Status.SOLD).count(),
        "held": seats.filter(status=EventSeat.Status.HELD).count(),
        "available": available,
        "all_seats_gone": available == 0,
        "demand_exceeds_supply": rush.demand > total,
        "outcomes": dict(outcomes),
        "unexpected": dict(rush.unexpected),
        "map_snapshots_from_api": rush.map_reads,
    }


def invariants_ok(inv: dict) -> bool:
    return (
        inv["seats_held_twice"] == 0
        and inv["seats_sold_twice"] == 0
        and inv["sold_without_ticket"] == 0
        and inv["held_by_ended_hold"] == 0
        and inv["buyer_seats_not_theirs"] == 0
        and inv["bookings_confirmed_api"] == inv["bookings_confirmed_db"]
        and (inv["all_seats_gone"] or not inv["demand_exceeds_supply"])
    )


# --------------------------------------------------------------------------- expiry sweep


_SWEEP_SQL = [
    # Seats of a venue of their own, enough for every hold.
    """
    INSERT INTO inventory_seat (venue_id, section, "row", number, x, y, standing)
    SELECT %(venue)s, 'S', (g / 1000 + 1)::text, g %% 1000 + 1, (g %% 1000) * 10.0,
           (g / 1000) * 10.0, false
    FROM generate_series(0, %(seats)s - 1) AS g
    """,
    # Holds that expired a minute ago, never swept: one per (buyer, event), as the shop allows.
    """
    INSERT INTO inventory_hold (id, event_id, user_id, status, expires_at, extensions,
                                created_at, updated_at)
    SELECT md5('sweep-' || g)::uuid, (%(events)s::bigint[])[g / %(buyers)s + 1],
           (%(users)s::bigint[])[g %% %(buyers)s + 1], 'active',
           now() - interval '1 minute', 0, now() - interval '11 minutes',
           now() - interval '11 minutes'
    FROM generate_series(0, %(holds)s - 1) AS g
    """,
    # Their seats, still marked held until the sweep frees them.
    """
    INSERT INTO inventory_eventseat (event_id, seat_id, price_tier_id, status, hold_id,
                                     held_until, position)
    SELECT (%(events)s::bigint[])[(s.n / %(per_hold)s) / %(buyers)s + 1], s.id,
           (%(tiers)s::bigint[])[(s.n / %(per_hold)s) / %(buyers)s + 1], 'held',
           md5('sweep-' || (s.n / %(per_hold)s))::uuid, now() - interval '1 minute',
           s.n %% (%(per_hold)s * %(buyers)s)
    FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
          FROM inventory_seat WHERE venue_id = %(venue)s) AS s
    """,
    "ANALYZE inventory_hold",
    "ANALYZE inventory_eventseat",
]


def phase_sweep(args) -> dict:
    """Creates N expired holds set-based in the database, then times the shop's sweep."""
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.events.models import Event, PriceTier, Venue
    from apps.inventory.holds import expire_holds
    from apps.inventory.models import EventSeat, Hold

    holds = args.sweep_holds
    user_ids = list(
        User.objects.filter(email__endswith="@bench.example")
        .order_by("id")
        .values_list("id", flat=True)
    )
    buyers = len(user_ids)
    event_count = math.ceil(holds / buyers)
    started = time.perf_counter()
    with transaction.atomic():
        venue = Venue.objects.create(name="Bench sweep hall", city="Benchville")
        events, tiers = [], []
        for n in range(event_count):
            event = Event.objects.create(
                venue=venue,
                title=f"Sweep {n}",
                slug=f"sweep-{n}",
                starts_at=timezone.now() + timedelta(days=30),
                status=Event.Status.ON_SALE,
            )
            events.append(event.pk)
            tiers.append(PriceTier.objects.create(event=event, name="S", price=Decimal("1")).pk)
        params = {
            "venue": venue.pk,
            "seats": holds * args.sweep_seats_per_hold,
            "holds": holds,
            "buyers": buyers,
            "per_hold": args.sweep_seats_per_hold,
            "events": events,
            "users": user_ids,
            "tiers": tiers,
        }
        with connection.cursor() as cursor:
            for sql in _SWEEP_SQL[:3]:
                cursor.execute(sql, params)
    with connection.cursor() as cursor:
        for sql in _SWEEP_SQL[3:]:
            cursor.execute(sql)
    setup_seconds = time.perf_counter() - started
    due = Hold.objects.filter(event_id__in=events, status=Hold.Status.ACTIVE).count()

    started = time.perf_counter()
    released = expire_holds()
    seconds = time.perf_counter() - started

    still_held = EventSeat.objects.filter(event_id__in=events, status=EventSeat.Status.HELD).count()
    still_active = Hold.objects.filter(event_id__in=events, status=Hold.Status.ACTIVE).count()
    return {
        "holds_due": due,
        "seats_held": holds * args.sweep_seats_per_hold,
        "released": released,
        "seconds": round(seconds, 3),
        "holds_per_second": round(released / seconds) if seconds else None,
        "setup_seconds": round(setup_seconds, 2),
        "left_active": still_active,
        "left_held_seats": still_held,
    }


# --------------------------------------------------------------------------- report


def machine_info() -> dict:
    info = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def make_chart(results: dict, timelines: dict, path: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 2, figsize=(14, 13))

    def completions(ax, key, title):
        tl = timelines.get(key)
        if not tl:
            ax.set_visible(False)
            return
        ax.plot(tl["t"], tl["hold_2xx"], label="holds 201")
        ax.plot(tl["t"], tl["hold_409"], label="holds 409")
        ax.plot(tl["t"], tl["booking_2xx"], label="bookings 201")
        ax.set_title(title)
        ax.set_xlabel("seconds into the rush")
        ax.set_ylabel("requests / s")
        ax.legend()
        ax.grid(alpha=0.3)

    def latency(ax, key, title):
        tl = timelines.get(key)
        if not tl:
            ax.set_visible(False)
            return
        for pct in (50, 95, 99):
            ax.plot(tl["t"], tl[f"hold_p{pct}_ms"], label=f"hold P{pct}")
        ax.axhline(250, color="red", linestyle="--", linewidth=1, label="P99 target 250 ms")
        ax.set_title(title)
        ax.set_xlabel("seconds into the rush")
        ax.set_ylabel("ms")
        ax.legend()
        ax.grid(alpha=0.3)

    completions(axes[0][0], "rush", "Rush, one instance: completions per second")
    latency(axes[0][1], "rush", "Rush, one instance: hold latency")
    completions(axes[1][0], "stadium", "Stadium rush: completions per second")
    latency(axes[1][1], "stadium", "Stadium rush: hold latency")
    completions(axes[2][0], "scaleout", "Rush, two instances: completions per second")
    ax = axes[2][1]
    rows = [
        (name, results["phases"][name])
        for name in (
            "healthz",
            "seat_map",
            "availability",
            "big_availability",
            "baseline",
            "hold",
            "big_hold",
            "booking",
            "scaleout_hold",
        )
        if results["phases"].get(name, {}).get("requests")
    ]
    xs = range(len(rows))
    width = 0.27
    for offset, pct in ((-width, "p50_ms"), (0, "p95_ms"), (width, "p99_ms")):
        ax.bar([x + offset for x in xs], [r[pct] for _, r in rows], width, label=pct[:3].upper())
    ax.set_xticks(list(xs), [name for name, _ in rows], rotation=20)
    ax.set_ylabel("ms")
    ax.set_title(f"Latency by endpoint at {results['config']['concurrency']} in flight")
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    fig.suptitle(
        f"Flash-sale bench {results['started_at']} · {results['machine'].get('cores')} cores · "
        f"{results['config']['workers']} workers x {results['config']['threads']} threads"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _rps_ratio_target(results, add, label, ratio_name, top, bottom, goal: float) -> None:
    """A target on req/s of phase `top` over phase `bottom` of the same run."""
    ph = results["phases"]
    if not (ph.get(top, {}).get("rps") and ph.get(bottom, {}).get("rps")):
        return
    ratio = ph[top]["rps"] / ph[bottom]["rps"]
    results["ratios"][ratio_name] = round(ratio, 2)
    add(
        label,
        f">= {goal}x",
        f"{ratio:.2f}x ({ph[top]['rps']} vs {ph[bottom]['rps']} req/s)",
        ratio >= goal,
    )


def evaluate_targets(results: dict) -> list[dict]:
    ph = results["phases"]
    inv = results.get("invariants", {})
    targets = []

    def add(name, goal, measured, ok):
        targets.append({"target": name, "goal": goal, "measured": measured, "pass": bool(ok)})

    five_xx = sum(p.get("errors_5xx", 0) for p in ph.values() if isinstance(p, dict))
    no_resp = sum(p.get("no_response", 0) for p in ph.values() if isinstance(p, dict))
    add(
        "invariants (one instance)",
        "0 sold/held twice, all seats gone",
        _inv_text(inv),
        inv and invariants_ok(inv),
    )
    add("5xx responses (all phases)", "0", f"{five_xx} (no response: {no_resp})", five_xx == 0)
    _rps_ratio_target(
        results, add, "hold throughput vs baseline", "hold_vs_baseline", "hold", "baseline", 0.6
    )
    if ph.get("hold"):
        add(
            "hold P99 latency",
            "<= 250 ms",
            f"{ph['hold']['p99_ms']} ms",
            ph["hold"]["p99_ms"] <= 250,
        )
    _rps_ratio_target(
        results, add, "seat-map read vs /healthz", "seat_map_vs_healthz", "seat_map", "healthz", 0.5
    )
    _stadium_targets(results, add)
    if results.get("room"):
        room.targets(results["room"], add)
    sweep = results.get("sweep")
    if sweep:
        add(
            f"expiry sweep of {sweep['holds_due']:,} holds",
            "< 10 s",
            f"{sweep['seconds']} s",
            sweep["seconds"] < 10 and sweep["left_active"] == 0 and sweep["left_held_seats"] == 0,
        )
    inv2 = results.get("scaleout_invariants")
    if inv2:
        add("two instances: invariants", "0 sold/held twice", _inv_text(inv2), invariants_ok(inv2))
        _rps_ratio_target(
            results,
            add,
            "two instances: hold throughput vs one",
            "two_instances_vs_one",
            "scaleout_hold",
            "hold",
            1.0,
        )
    inv_ga = results.get("ga_invariants")
    if inv_ga:
        add(
            "general admission: invariants",
            "0 sold/held twice, all gone",
            _inv_text(inv_ga),
            invariants_ok(inv_ga),
        )
    return targets


def _stadium_targets(results: dict, add) -> None:
    ph, server = results["phases"], results.get("server", {})
    inv = results.get("big_invariants")
    if not inv:
        return
    add("stadium: invariants", "0 sold/held twice, all gone", _inv_text(inv), invariants_ok(inv))
    add(
        "stadium: the rush completes",
        f"< {results['config']['rush_timeout']:.0f} s",
        f"{ph['big_rush_all'].get('seconds')} s",
        results.get("big_rush_completed"),
    )
    _rps_ratio_target(
        results,
        add,
        "stadium: hold throughput vs baseline",
        "stadium_hold_vs_baseline",
        "big_hold",
        "baseline",
        0.5,
    )
    _rps_ratio_target(
        results,
        add,
        "stadium: availability vs /healthz",
        "stadium_availability_vs_healthz",
        "big_availability",
        "healthz",
        0.5,
    )
    small, big = server.get("rush", {}), server.get("big_rush", {})
    if small.get("server_cpu_ms_per_request") and big.get("server_cpu_ms_per_request"):
        ratio = big["server_cpu_ms_per_request"] / small["server_cpu_ms_per_request"]
        results["ratios"]["stadium_cpu_vs_rush"] = round(ratio, 2)
        add(
            "stadium: server CPU per rush request",
            "<= 1.5x the 2,000-seat rush",
            f"{ratio:.2f}x ({big['server_cpu_ms_per_request']} vs "
            f"{small['server_cpu_ms_per_request']} ms)",
            ratio <= 1.5,
        )


def _inv_text(inv: dict) -> str:
    if not inv:
        return "not measured"
    return (
        f"held twice {inv['seats_held_twice']}, sold twice {inv['seats_sold_twice']}, "
        f"not theirs {inv['buyer_seats_not_theirs']}, sold {inv['sold']} + held {inv['held']} "
        f"+ available {inv['available']} of {inv['seats']}"
    )


def print_table(results: dict):
    ph = results["phases"]
    print()
    print(
        f"{'phase':<16}{'requests':>9}{'req/s':>9}{'P50 ms':>9}{'P95 ms':>9}"
        f"{'P99 ms':>9}{'max ms':>9}  statuses"
    )
    for name in (
        "healthz",
        "seat_map",
        "seat_map_304",
        "availability",
        "availability_304",
        "baseline",
        "hold",
        "booking",
        "ga_hold",
        "ga_booking",
        "big_hold",
        "big_booking",
        "big_availability",
        "big_availability_304",
        "scaleout_hold",
        "scaleout_booking",
    ):
        row = ph.get(name)
        if not row or not row.get("requests"):
            continue
        print(
            f"{name:<16}{row['requests']:>9}{row['rps']:>9}{row['p50_ms']:>9}{row['p95_ms']:>9}"
            f"{row['p99_ms']:>9}{row['max_ms']:>9}  {row['statuses']}"
        )
    print(
        f"\n{'phase':<16}{'server CPU ms/req':>18}{'harness CPU ms/req':>20}  "
        "server-side service time (P50 / P99 ms)"
    )
    for name, row in results.get("server", {}).items():
        service = ", ".join(
            f"{key[: -len('_service_p50_ms')]} {row[key]} / {row[key.replace('p50', 'p99')]}"
            for key in row
            if key.endswith("_service_p50_ms")
        )
        print(
            f"{name:<16}{row['server_cpu_ms_per_request']!s:>18}"
            f"{row['harness_cpu_ms_per_request']!s:>20}  {service}"
        )
    if results.get("room"):
        room.print_summary(results["room"])
    sweep = results.get("sweep")
    if sweep:
        print(
            f"\nexpiry sweep: {sweep['released']:,} holds ({sweep['seats_held']:,} seats) "
            f"released in {sweep['seconds']} s"
        )
    print()
    width = max(len(t["target"]) for t in results["targets"]) + 2
    for t in results["targets"]:
        mark = "PASS" if t["pass"] else "FAIL"
        print(f"  [{mark}] {t['target']:<{width}} {t['goal']:<22} {t['measured']}")
    print()


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    atexit.register(PROCESSES.stop_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": {
            **{k: v for k, v in vars(args).items() if k not in ("database_url", "redis_url")},
            "scaleout_workers": scaleout_workers(args),
        },
        "command": " ".join([Path(sys.executable).name, "bench/run.py", *(argv or sys.argv[1:])]),
        "phases": {},
        "ratios": {},
    }
    seats = args.rows * args.seats_per_row
    print(
        f"bench: {seats} seats ({args.rows} rows x {args.seats_per_row}), {args.buyers} buyers, "
        f"{args.concurrency} in flight, gunicorn {args.workers} workers x {args.threads} threads "
        f"(two instances: {scaleout_workers(args)} workers each), "
        f"load average {results['machine'].get('load_average_at_start')}",
        flush=True,
    )
    secret_key = secrets.token_urlsafe(48)
    env = shop_environment(args, secret_key)

    started = time.perf_counter()
    recreate_database(args.database_url)
    flush_redis(args.redis_url, args.broker_url)
    setup_django(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    rush_event, rush_layout = create_event("rush", args.rows, args.seats_per_row)
    base_event, base_layout = create_event("baseline", args.rows, args.seats_per_row)
    warm_event, warm_layout = create_event("warmup", 2, 100)
    warm2_event, warm2_layout = create_event("warmup2", 2, 100)
    scale_event, scale_layout = create_event("scaleout", args.rows, args.seats_per_row)
    standing_event = None
    if not args.skip_standing:
        standing_event = create_standing_event("standing", args.rows * args.seats_per_row)
    big_event = big_layout = None
    if not args.skip_big:
        big_event, big_layout = create_event("stadium", args.big_rows, args.big_seats_per_row)
    room_event = room_layout = None
    if not args.skip_room:
        room_event, room_layout = room.room_event(args)
    tokens = create_buyers(
        max(
            args.buyers,
            0 if args.skip_big else args.big_buyers,
            0 if args.skip_room else args.room_buyers,
        )
    )
    from django.db import connection

    connection.close()
    results["setup_seconds"] = round(time.perf_counter() - started, 1)
    print(
        f"setup: database, {5 if args.skip_big else 6} events and {len(tokens)} buyers in "
        f"{results['setup_seconds']} s"
    )

    if args.serve:
        return serve(args, env, rush_event, rush_layout, tokens)

    port = args.port
    shop = start_shop(args, env, port, "single")
    server = results["server"] = {}

    def measured(name, shops, coro, kinds, count_of):
        """Runs one phase; notes the servers' CPU and service times and the harness's CPU."""
        meter = ServerMeter(shops).start()
        harness_cpu = time.process_time()
        outcome = asyncio.run(coro)
        harness_cpu = time.process_time() - harness_cpu
        figures = meter.stop()
        requests = count_of(outcome)
        server[name] = server_figures(figures, kinds, requests)
        server[name]["harness_cpu_ms_per_request"] = (
            round(harness_cpu * 1000 / requests, 2) if requests else None
        )
        return outcome

    def sample_count(rec):
        return len(rec.samples)

    def read_availability(name, event_id):
        print(f"phase: {name.replace('_', ' ')}", flush=True)
        path = f"/api/v1/events/{event_id}/availability"
        for suffix, conditional in (("", False), ("_304", True)):
            rec = measured(
                name + suffix,
                [shop],
                phase_reads(args, port, "seat_map", path, tokens[0], conditional),
                ["seat_map"],
                sample_count,
            )
            results["phases"][name + suffix] = summarise(rec.samples)

    try:
        asyncio.run(phase_warmup(args, [port], warm_event, warm_layout, tokens))
        print("phase: /healthz", flush=True)
        rec = measured(
            "healthz",
            [shop],
            phase_reads(args, port, "healthz", "/healthz"),
            ["healthz"],
            sample_count,
        )
        results["phases"]["healthz"] = summarise(rec.samples)

        print("phase: baseline", flush=True)
        base = measured(
            "baseline",
            [shop],
            phase_baseline(args, port, base_event, base_layout, args.buyers),
            ["baseline"],
            lambda out: len(out["recorder"].samples),
        )
        results["phases"]["baseline"] = summarise(base["recorder"].of("baseline"))
        results["baseline_outcomes"] = dict(base["outcomes"])

        print("phase: rush", flush=True)
        rush = measured(
            "rush",
            [shop],
            phase_rush(args, [port], rush_event, rush_layout, tokens[: args.buyers], "rush"),
            ["hold", "booking", "seat_map"],
            lambda out: len(out["recorder"].samples),
        )
        rec = rush["recorder"]
        results["phases"]["hold"] = summarise(rec.of("hold"))
        results["phases"]["booking"] = summarise(rec.of("booking"))
        results["phases"]["rush_all"] = summarise(rec.samples, rush["elapsed"])
        results["phases"]["map_poll"] = summarise(rec.of("map-poll"))
        timelines = {"rush": timeline(rec.samples)}
        results["invariants"] = check_invariants(rush_event, rush["rush"], rush["outcomes"])
        connection.close()

        print("phase: seat map", flush=True)
        map_path = f"/api/v1/events/{rush_event}/seats"
        rec = measured(
            "seat_map",
            [shop],
            phase_reads(args, port, "seat_map", map_path, tokens[0]),
            ["seat_map"],
            sample_count,
        )
        results["phases"]["seat_map"] = summarise(rec.samples)
        rec = measured(
            "seat_map_304",
            [shop],
            phase_reads(args, port, "seat_map_304", map_path, tokens[0], True),
            ["seat_map"],
            sample_count,
        )
        results["phases"]["seat_map_304"] = summarise(rec.samples)
        read_availability("availability", rush_event)

        if standing_event is not None:
            places = args.rows * args.seats_per_row
            print(f"phase: general-admission rush (one area of {places} places)", flush=True)
            ga = measured(
                "standing_rush",
                [shop],
                phase_standing_rush(args, [port], standing_event, tokens[: args.buyers], "ga"),
                ["hold", "booking"],
                lambda out: len(out["recorder"].samples),
            )
            rec = ga["recorder"]
            results["phases"]["ga_hold"] = summarise(rec.of("hold"))
            results["phases"]["ga_booking"] = summarise(rec.of("booking"))
            results["phases"]["ga_rush_all"] = summarise(rec.samples, ga["elapsed"])
            timelines["standing"] = timeline(rec.samples)
            results["ga_invariants"] = check_invariants(standing_event, ga["rush"], ga["outcomes"])
            connection.close()

        if big_event is not None:
            print(f"phase: stadium rush ({args.big_rows * args.big_seats_per_row} seats)")
            big = measured(
                "big_rush",
                [shop],
                phase_rush(
                    args, [port], big_event, big_layout, tokens[: args.big_buyers], "stadium"
                ),
                ["hold", "booking", "seat_map"],
                lambda out: len(out["recorder"].samples),
            )
            rec = big["recorder"]
            results["phases"]["big_hold"] = summarise(rec.of("hold"))
            results["phases"]["big_booking"] = summarise(rec.of("booking"))
            results["phases"]["big_rush_all"] = summarise(rec.samples, big["elapsed"])
            results["big_rush_completed"] = big["elapsed"] < args.rush_timeout
            timelines["stadium"] = timeline(rec.samples)
            results["big_invariants"] = check_invariants(big_event, big["rush"], big["outcomes"])
            connection.close()
            read_availability("big_availability", big_event)

        if room_event is not None:
            print(
                f"phase: waiting room ({args.room_buyers:,} buyers, {args.room_rate}/min)",
                flush=True,
            )
            edge = room.start_edge(args, env, port + 3) if args.room_server == "edge" else None
            try:
                opens_at = room.open_room(args, room_event)
                out = measured(
                    "room",
                    [shop] + ([edge] if edge else []),
                    room.drive(
                        args,
                        port,
                        port + 3 if edge else port,
                        room_event,
                        room_layout,
                        tokens[: args.room_buyers],
                        opens_at,
                    ),
                    ["room-join", "room-status", "hold", "booking"],
                    lambda out: len(out["recorder"].samples),
                )
            finally:
                if edge is not None:
                    PROCESSES.stop(edge)
            results["room"] = room.figures(room_event, out)
            results["phases"]["room_status"] = results["room"]["status"]
            results["phases"]["room_hold"] = results["room"]["hold"]
            results["room_invariants"] = check_invariants(room_event, out["rush"], Counter())
            timelines["room"] = timeline(out["recorder"].samples)
            connection.close()
    finally:
        PROCESSES.stop(shop)

    if not args.skip_scaleout:
        print("phase: rush on two instances", flush=True)
        ports = [port + 1, port + 2]
        shops = []
        try:
            shops = [
                start_shop(args, env, p, f"scaleout{n}", scaleout_workers(args))
                for n, p in enumerate(ports)
            ]
            asyncio.run(phase_warmup(args, ports, warm2_event, warm2_layout, tokens))
            rush2 = measured(
                "scaleout",
                shops,
                phase_rush(
                    args, ports, scale_event, scale_layout, tokens[: args.buyers], "scaleout"
                ),
                ["hold", "booking", "seat_map"],
                lambda out: len(out["recorder"].samples),
            )
        finally:
            for proc in shops:
                PROCESSES.stop(proc)
        rec = rush2["recorder"]
        results["phases"]["scaleout_hold"] = summarise(rec.of("hold"))
        results["phases"]["scaleout_booking"] = summarise(rec.of("booking"))
        results["phases"]["scaleout_all"] = summarise(rec.samples, rush2["elapsed"])
        timelines["scaleout"] = timeline(rec.samples)
        results["scaleout_invariants"] = check_invariants(
            scale_event, rush2["rush"], rush2["outcomes"]
        )

    if not args.skip_sweep:
        print(f"phase: expiry sweep of {args.sweep_holds:,} holds", flush=True)
        results["sweep"] = phase_sweep(args)

    results["targets"] = evaluate_targets(results)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["timelines"] = timelines
    json_path = RESULTS / f"bench-{stamp}.json"
    png_path = RESULTS / f"bench-{stamp}.png"
    json_path.write_text(json.dumps(results, indent=2, default=str))
    make_chart(results, timelines, png_path)
    for src, latest in ((json_path, "latest.json"), (png_path, "latest.png")):
        (RESULTS / latest).unlink(missing_ok=True)
        (RESULTS / latest).symlink_to(src.name)
    print_table(results)
    print(f"results: {json_path.relative_to(ROOT)}  chart: {png_path.relative_to(ROOT)}")
    return 0 if all(t["pass"] for t in results["targets"]) else 1


def serve(args, env, event_id, layout, tokens) -> int:
    """Prepares the data, starts the shop and waits, for an external load tool (Locust)."""
    setup = {
        "host": f"http://{HOST}:{args.port}",
        "event": event_id,
        "layout": {str(row): seats for row, seats in layout.items()},
        "tokens": tokens,
    }
    path = RESULTS / "locust-setup.json"
    path.write_text(json.dumps(setup))
    shop = start_shop(args, env, args.port, "serve")
    print(
        f"shop on http://{HOST}:{args.port} (event {event_id}); setup for Locust in "
        f"{path.relative_to(ROOT)}. Stops after {args.serve_minutes:g} min or Ctrl-C:\n"
        f"  BENCH_SETUP={path.relative_to(ROOT)} locust -f bench/locustfile.py "
        f"--host http://{HOST}:{args.port}",
        flush=True,
    )
    try:
        deadline = time.monotonic() + args.serve_minutes * 60
        while time.monotonic() < deadline and shop.poll() is None:
            time.sleep(1)
    finally:
        PROCESSES.stop(shop)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        PROCESSES.stop_all()
