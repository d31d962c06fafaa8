"""The waiting-room phase of `make bench` (issue 13, part 3).

`--room-buyers` buyers (10,000) join one event's room spread evenly over `--room-join-seconds`
(10 s); the room opens halfway through, so the first half is drawn by lottery and the second
half queues first come, first served. Each buyer then follows the room as the waiting page
does, asking again after the `poll_seconds` the server gave, for `--room-seconds` (60 s) after
the last join, while the room admits `--room-rate` buyers a minute. An admitted buyer holds with
its pass (the rush's journey: chosen seats or best available, another choice after a 409) and
half of them pay; then it joins again "from another device", which must find it admitted (same
pass expiry) or its pass spent, never a second place in the queue.

Fairness comes from the room's own queue in Redis, which is the admission order (everybody
ranked below the admitted count is in): the Spearman rank correlation between the order the
harness sent the joins in and the queue rank, separately for the lottery part (score < 1,
should be near 0) and the first-come part (near 1).

Every buyer is one asyncio task; they share `--room-connections` keep-alive connections, as a
crowd behind a few proxies would. Every loop is bounded by a count and by the phase's
deadline."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from datetime import timedelta
from functools import cache

# A buyer asks at most this often in one phase, whatever the server says (the room's shortest
# interval is 2 s, so 60 s of following is ~30 asks; the bound only guards a broken answer).
MAX_POLLS = 400
SMALLEST_POLL_SECONDS = 0.5


def add_arguments(p) -> None:
    p.add_argument("--skip-room", action="store_true", help="no waiting-room phase")
    p.add_argument("--room-buyers", type=int, default=10_000, help="buyers joining the room")
    p.add_argument("--room-join-seconds", type=float, default=10.0, help="the joins' spread")
    p.add_argument(
        "--room-seconds", type=float, default=60.0, help="following the room after the joins"
    )
    p.add_argument(
        "--room-rate",
        type=int,
        default=600,
        help="admissions per minute (see bench/README.md for why 600)",
    )
    p.add_argument("--room-connections", type=int, default=512)
    p.add_argument(
        "--room-server",
        choices=["edge", "shop"],
        default="edge",
        help="who answers join and status: the room's own server (uvicorn, "
        "ticketing/room_asgi.py), as a proxy would route them, or gunicorn with the shop",
    )
    p.add_argument("--room-edge-workers", type=int, default=2, help="uvicorn processes")


def quick(args) -> None:
    args.room_buyers = min(args.room_buyers, 500)
    args.room_join_seconds = min(args.room_join_seconds, 3.0)
    args.room_seconds = min(args.room_seconds, 15.0)


def start_edge(args, env: dict, port: int):
    """The room's own server on `port` (uvicorn, as the Procfile starts it), once it answers."""
    bench = _bench()
    log_path = bench.RESULTS / f"room-edge-{port}.log"
    log_path.write_bytes(b"")
    command = [
        str(bench.VENV_BIN / "uvicorn"),
        "ticketing.room_asgi:application",
        "--host",
        bench.HOST,
        "--port",
        str(port),
        "--workers",
        str(args.room_edge_workers),
        "--no-proxy-headers",
        "--no-access-log",
        "--backlog",
        "4096",
        "--timeout-keep-alive",
        "30",
    ]
    proc = bench.PROCESSES.start(command, env, log_path)
    # uvicorn writes no per-request service times: the meter finds no lines to read.
    proc.access_log = log_path.with_suffix(".access")
    proc.access_log.write_bytes(b"")
    bench.wait_ready(port, proc, log_path)
    return proc


def room_event(args) -> tuple[int, dict]:
    """An event big enough that the admitted buyers of the phase never run out of seats (a
    sold-out room would measure refusals, not holds): ~2.5 seats per admitted buyer, +20%."""
    admitted = args.room_rate / 60 * (args.room_seconds + args.room_join_seconds / 2)
    rows = max(4, math.ceil(min(admitted, args.room_buyers) * 2.5 * 1.2 / 100))
    return _bench().create_event("room", rows, 100)


def _bench():
    """bench/run.py, imported when first needed: it imports this module for its options."""
    from bench import run

    return run


@cache
def _room_rush():
    class RoomRush(_bench().Rush):
        """The rush's hold-and-pay journey, each request carrying the buyer's pass."""

        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.passes: dict[int, str] = {}

        def headers(self, index: int, key: str | None = None) -> dict:
            headers = super().headers(index, key)
            if index in self.passes:
                headers["X-Queue-Pass"] = self.passes[index]
            return headers

    return RoomRush


class Crowd:
    def __init__(self, args, event_id, rush, client, end: float):
        self.args = args
        self.path = f"/api/v1/events/{event_id}/room"
        self.rush = rush
        self.client = client  # the room's server; the rush's journey has the shop's
        self.end = end
        self.sent: dict[int, float] = {}
        self.admitted_seen: dict[int, float] = {}
        self.expiry: dict[int, str] = {}
        self.admitted_twice = 0
        self.outcomes: Counter = Counter()
        self.unexpected: Counter = Counter()

    def _auth(self, index: int) -> dict:
        return {"Authorization": f"Bearer {self.rush.tokens[index]}"}

    def _surprise(self, what: str, status: int, data) -> str:
        code = data.get("code", "") if isinstance(data, dict) else ""
        self.unexpected[f"{what} {status} {code}".strip()] += 1
        return f"{what} failed"

    async def buyer(self, index: int, arrive_at: float) -> str:
        await asyncio.sleep(max(0.0, arrive_at - time.perf_counter()))
        self.sent[index] = time.perf_counter()
        status, data, headers = await self.client.call(
            "room-join", "POST", self.path, headers=self._auth(index)
        )
        for _ in range(MAX_POLLS):
            if status == 200 and isinstance(data, dict) and data.get("state") == "admitted":
                return await self.admitted(index, data)
            if status == 200 and isinstance(data, dict) and data.get("state") == "waiting":
                wait = data.get("poll_seconds") or 2.0
            elif status == 503:
                # The room fails closed while Redis is away: an error for the figures, but the
                # page would keep asking, and so does the buyer.
                self._surprise("room", status, data)
                wait = float((headers or {}).get("Retry-After", 5))
            else:
                return self._surprise("room", status, data)
            if time.perf_counter() + wait > self.end:
                return "still waiting"
            await asyncio.sleep(max(SMALLEST_POLL_SECONDS, wait))
            status, data, headers = await self.client.call(
                "room-status", "GET", self.path, headers=self._auth(index)
            )
        return "asked too often"

    async def admitted(self, index: int, place: dict) -> str:
        self.admitted_seen[index] = time.perf_counter()
        self.expiry[index] = place.get("pass_expires_at")
        self.rush.passes[index] = place.get("queue_pass") or ""
        outcome = await self.rush.journey(index)
        # Another tab or device of the same buyer: admitted with the same pass, or spent by the
        # booking. A new place in the queue would be a second admission in the making.
        status, again, _ = await self.client.call(
            "room-join", "POST", self.path, headers=self._auth(index)
        )
        if status != 200 or not isinstance(again, dict):
            self._surprise("room re-join", status, again)
        elif again.get("state") == "spent":
            pass
        elif again.get("state") != "admitted" or again.get("pass_expires_at") != self.expiry[index]:
            self.admitted_twice += 1
        return outcome


def spearman(xs: list, ys: list) -> float | None:
    """Rank correlation of two orderings without ties (1: same order, 0: unrelated)."""
    n = len(xs)
    if n < 3:
        return None
    rank_x = {v: i for i, v in enumerate(sorted(xs))}
    rank_y = {v: i for i, v in enumerate(sorted(ys))}
    d2 = sum((rank_x[x] - rank_y[y]) ** 2 for x, y in zip(xs, ys, strict=True))
    return round(1 - 6 * d2 / (n * (n * n - 1)), 4)


def open_room(args, event_id) -> float:
    """Switches the event's room on, opening halfway through the joins, as staff would; the
    opening as a perf_counter time."""
    from django.utils import timezone

    from apps.waitingroom import services

    opens_in = args.room_join_seconds / 2
    services.configure_room(
        event_id=event_id,
        enabled=True,
        opens_at=timezone.now() + timedelta(seconds=opens_in),
        admission_per_minute=args.room_rate,
        pass_minutes=10,
    )
    return time.perf_counter() + opens_in


async def drive(args, port, room_port, event_id, layout, tokens, opens_at: float) -> dict:
    """The crowd joins and follows the room (on `room_port`: the room's server, or the shop's
    own port); the recorder, the crowd, and the harness's CPU."""
    bench = _bench()
    recorder = bench.Recorder()
    start = time.perf_counter()
    cpu = time.process_time()
    end = start + args.room_join_seconds + args.room_seconds
    async with bench.client_session(args.room_connections) as session:
        # Admitted buyers' holds and payments may finish a little after the end.
        client = bench.Client(session, [port], recorder, end + 30)
        rush = _room_rush()(args, event_id, layout, tokens, client, "room")
        room_client = bench.Client(session, [room_port], recorder, end + 30)
        crowd = Crowd(args, event_id, rush, room_client, end)
        stop = asyncio.Event()
        refresher = asyncio.create_task(rush.refresh_view(stop))
        step = args.room_join_seconds / max(1, len(tokens))
        try:
            outcomes = await asyncio.wait_for(
                asyncio.gather(*(crowd.buyer(i, start + i * step) for i in range(len(tokens)))),
                timeout=args.room_join_seconds + args.room_seconds + 60,
            )
        finally:
            stop.set()
            await refresher
    crowd.outcomes.update(outcomes)
    wall = time.perf_counter() - start
    return {
        "recorder": recorder,
        "crowd": crowd,
        "rush": rush,
        "opens_at": opens_at,
        "end": end,
        "harness_cpu_percent": round(100 * (time.process_time() - cpu) / wall, 1),
    }


def figures(event_id, outcome) -> dict:
    from apps.common.redis import redis_connection
    from apps.waitingroom import services, state

    bench = _bench()
    rec, crowd = outcome["recorder"], outcome["crowd"]
    # The queue as the room keeps it: buyer id -> score; rank = admission order.
    queue = redis_connection().zrange(state.keys(event_id)["q"], 0, -1, withscores=True)
    admitted_total = services.room_figures(event_id).admitted
    user_of = _user_ids(crowd.rush.tokens)
    index_of = {user: index for index, user in enumerate(user_of)}
    lottery, fifo = [], []
    for rank, (member, score) in enumerate(queue):
        index = index_of.get(int(member))
        if index is not None:
            (lottery if score < 1 else fifo).append((index, rank))
    out_of_order = sum(
        1
        for rank, (member, _) in enumerate(queue)
        if rank >= admitted_total and index_of.get(int(member)) in crowd.admitted_seen
    )
    samples = [s for s in rec.samples if s[0] in ("room-join", "room-status", "hold", "booking")]
    broken = sum(1 for s in samples if s[3] == 0 or s[3] >= 500)
    # Admission runs on until the room is read (just above), not only until the crowd's end.
    admitting = max(1e-9, time.perf_counter() - outcome["opens_at"])
    return {
        "buyers": len(crowd.rush.tokens),
        "server": crowd.args.room_server,
        "rate_per_minute": crowd.args.room_rate,
        "join": bench.summarise(rec.of("room-join")),
        "status": bench.summarise(rec.of("room-status")),
        "hold": bench.summarise(rec.of("hold")),
        "booking": bench.summarise(rec.of("booking")),
        "errors": broken + sum(crowd.unexpected.values()) + sum(crowd.rush.unexpected.values()),
        "unexpected": dict(crowd.unexpected + crowd.rush.unexpected),
        "admitted_by_room": admitted_total,
        "admitted_seen": len(crowd.admitted_seen),
        "admitted_per_second": round(admitted_total / admitting, 2),
        "admitted_twice": crowd.admitted_twice,
        "admitted_out_of_order": out_of_order,
        "lottery_buyers": len(lottery),
        "fifo_buyers": len(fifo),
        "fairness_lottery_rho": spearman(*map(list, zip(*lottery, strict=True)))
        if lottery
        else None,
        "fairness_fifo_rho": spearman(*map(list, zip(*fifo, strict=True))) if fifo else None,
        "outcomes": dict(crowd.outcomes),
        "harness_cpu_percent": outcome["harness_cpu_percent"],
    }


def _user_ids(tokens: list[str]) -> list[int]:
    """The account of each token (the harness's buyers, in token order)."""
    from rest_framework_simplejwt.tokens import AccessToken

    return [int(AccessToken(token)["user_id"]) for token in tokens]


def targets(room: dict, add) -> None:
    status, hold = room["status"], room["hold"]
    if status.get("requests"):
        add("room: status P99", "<= 200 ms", f"{status['p99_ms']} ms", status["p99_ms"] <= 200)
    add("room: errors", "0", f"{room['errors']} {room['unexpected'] or ''}", room["errors"] == 0)
    add(
        "room: admitted twice",
        "0",
        f"{room['admitted_twice']} (out of order {room['admitted_out_of_order']})",
        room["admitted_twice"] == 0 and room["admitted_out_of_order"] == 0,
    )
    if hold.get("requests"):
        add("room: admitted hold P99", "<= 250 ms", f"{hold['p99_ms']} ms", hold["p99_ms"] <= 250)
    lottery, fifo = room["fairness_lottery_rho"], room["fairness_fifo_rho"]
    if lottery is not None:
        # Under "arrival does not matter" rho has a standard deviation of 1/sqrt(n - 1).
        bound = max(0.1, 4 / math.sqrt(room["lottery_buyers"] - 1))
        add("room: lottery rank correlation", f"|rho| < {bound:.2f}", lottery, abs(lottery) < bound)
    if fifo is not None:
        add("room: first-come rank correlation", ">= 0.95", fifo, fifo >= 0.95)


def print_summary(room: dict) -> None:
    join, status, hold = room["join"], room["status"], room["hold"]
    print(
        f"\nwaiting room ({room.get('server', 'shop')}): {room['buyers']:,} buyers, admission "
        f"{room['rate_per_minute']}/min; "
        f"joins {join.get('rps')}/s, status {status.get('rps')}/s "
        f"(P50 {status.get('p50_ms')} / P99 {status.get('p99_ms')} ms), "
        f"admitted {room['admitted_by_room']} ({room['admitted_per_second']}/s), their holds "
        f"P50 {hold.get('p50_ms')} / P99 {hold.get('p99_ms')} ms, errors {room['errors']}, "
        f"admitted twice {room['admitted_twice']}; rank correlation lottery "
        f"{room['fairness_lottery_rho']} (n={room['lottery_buyers']}), first come "
        f"{room['fairness_fifo_rho']} (n={room['fifo_buyers']})"
        f"; load generator CPU {room['harness_cpu_percent']}% of a core"
    )
