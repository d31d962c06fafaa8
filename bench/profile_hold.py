"""What one hold and one booking cost: SQL statements, Redis round trips and Python time.

Runs the API in-process (Django test client, the whole middleware stack, production settings)
against a database of its own, so the numbers don't depend on gunicorn or the load generator:

    .venv/bin/python bench/profile_hold.py                 # counts + statement listing
    .venv/bin/python bench/profile_hold.py --profile 300   # + pyinstrument over 300 holds

pyinstrument is not a dependency of the shop: `pip install pyinstrument` into .venv to profile.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run as bench  # noqa: E402


class Counters:
    """Counts SQL statements (Django's execute wrapper) and Redis round trips (every packed
    command sent on a connection is one round trip; a pipeline sends one)."""

    def __init__(self):
        self.sql: list[str] = []
        self.redis: list[str] = []

    @contextlib.contextmanager
    def watching(self):
        from django.db import connection
        from redis.connection import AbstractConnection

        original = AbstractConnection.send_packed_command
        counters = self

        def send_packed_command(conn, command, check_health=True):
            first = command[0] if isinstance(command, list) and command else command
            counters.redis.append(bytes(first)[:80].decode(errors="replace"))
            return original(conn, command, check_health)

        def sql_wrapper(execute, sql, params, many, context):
            counters.sql.append(" ".join(sql.split())[:160])
            return execute(sql, params, many, context)

        AbstractConnection.send_packed_command = send_packed_command
        try:
            with connection.execute_wrapper(sql_wrapper):
                yield self
        finally:
            AbstractConnection.send_packed_command = original


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--profile", type=int, default=0, help="holds to run under pyinstrument")
    p.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/ticketing_bench_profile"
    )
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    p.add_argument("--idempotency-keys", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--cprofile", type=int, default=0, help="holds to run under cProfile (CPU)")
    p.add_argument(
        "--cprofile-refusals",
        action="store_true",
        help="profile refused holds (409: seats taken) instead of successful ones",
    )
    p.add_argument(
        "--cprofile-bookings",
        action="store_true",
        help="profile bookings (each of a fresh hold) instead of holds",
    )
    p.add_argument("--cost", type=int, default=200, help="requests per kind for the CPU table")
    p.add_argument("--rows", type=int, default=20, help="rows of the event (one section)")
    p.add_argument("--seats-per-row", type=int, default=100)
    opts = p.parse_args(argv)
    args = bench.parse_args(
        [
            "--database-url",
            opts.database_url,
            "--redis-url",
            opts.redis_url,
            "--log-level",
            "WARNING",
        ]
    )
    # A random key: the production settings refuse placeholders (apps/common/keys.py).
    env = bench.shop_environment(args, secrets.token_urlsafe(48))
    env["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    bench.recreate_database(args.database_url)
    bench.flush_redis(args.redis_url)
    bench.setup_django(env)
    # Traced as the WSGI app is when OTEL_EXPORTER_OTLP_ENDPOINT is set (a no-op otherwise),
    # so the cost of tracing can be profiled too.
    from ticketing.tracing import configure_tracing

    configure_tracing()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    buyers = (
        opts.profile + 3 * opts.cost + 2 * opts.cprofile + 60
    )  # each part uses buyers of its own
    event_id, layout = bench.create_event("profile", opts.rows, opts.seats_per_row)
    tokens = bench.create_buyers(buyers)

    from rest_framework.test import APIClient

    blocks = [
        [es for _, es in seats[start : start + 4]]
        for _, seats in sorted(layout.items())
        for start in range(0, len(seats) - 3, 4)
    ]
    client = APIClient()

    def hold(index: int, block: list[int]):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[index]}"}
        if opts.idempotency_keys:
            headers["HTTP_IDEMPOTENCY_KEY"] = f"profile-hold-{index}"
        return client.post(
            "/api/v1/holds", {"event": event_id, "seats": block}, format="json", **headers
        )

    def best(index: int, quantity: int):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[index]}"}
        if opts.idempotency_keys:
            headers["HTTP_IDEMPOTENCY_KEY"] = f"profile-best-{index}"
        return client.post(
            "/api/v1/holds", {"event": event_id, "quantity": quantity}, format="json", **headers
        )

    def pay(index: int, hold_id: str):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[index]}"}
        if opts.idempotency_keys:
            headers["HTTP_IDEMPOTENCY_KEY"] = f"profile-pay-{index}"
        return client.post(
            "/api/v1/bookings",
            {"hold": hold_id, "payment": bench.SUCCESS_CARD},
            format="json",
            **headers,
        )

    # Warm: imports, connections, the venue-shape cache, JWT key parsing.
    for index in range(3):
        response = hold(index, blocks[index])
        assert response.status_code == 201, response.content
        pay(index, response.json()["id"])

    from apps.accounts.models import User
    from apps.inventory.holds import hold_seats

    reports = []
    index = 3
    for label, call in (
        ("hold service, 4 chosen seats", None),
        ("POST /api/v1/holds, 4 chosen seats (201)", "hold"),
        ("POST /api/v1/holds, seats taken (409)", "conflict"),
        ("POST /api/v1/holds, best available 2 (201)", "best"),
        ("POST /api/v1/bookings (201)", "pay"),
        ("GET /api/v1/events/{id}/seats", "map"),
    ):
        counters = Counters()
        user = User.objects.get(email=f"buyer{index:06d}@bench.example")
        started = time.perf_counter()
        with counters.watching():
            if call is None:
                hold_seats(user=user, event_id=event_id, event_seat_ids=blocks[index])
            elif call == "hold":
                response = hold(index, blocks[index])
                last_hold = response.json()["id"]
                last_index = index
            elif call == "conflict":
                response = hold(index, blocks[index - 1])
            elif call == "best":
                response = client.post(
                    "/api/v1/holds",
                    {"event": event_id, "quantity": 2},
                    format="json",
                    HTTP_AUTHORIZATION=f"Bearer {tokens[index]}",
                )
            elif call == "pay":
                response = pay(last_index, last_hold)
            elif call == "map":
                response = client.get(f"/api/v1/events/{event_id}/seats")
        elapsed = (time.perf_counter() - started) * 1000
        status = "" if call is None else f" -> {response.status_code}"
        reports.append((label + status, counters, elapsed))
        index += 1

    for label, counters, elapsed in reports:
        print(
            f"\n== {label}: {len(counters.sql)} SQL statements, "
            f"{len(counters.redis)} Redis round trips, {elapsed:.1f} ms (one call, in-process)"
        )
        for n, sql in enumerate(counters.sql, 1):
            print(f"  sql {n:>2}: {sql}")
        for n, cmd in enumerate(counters.redis, 1):
            print(f"  redis {n}: {cmd!r}")

    if opts.cost:
        index = cost_table(opts.cost, client, event_id, blocks, index, hold, pay, best)

    if opts.cprofile:
        pay_for = pay if opts.cprofile_bookings else None
        index = cpu_profile(opts.cprofile, blocks, index, hold, opts.cprofile_refusals, pay_for)

    if opts.profile:
        from pyinstrument import Profiler

        count = min(opts.profile, len(blocks) - index - 1)
        profiler = Profiler(interval=0.0005)
        statuses: Counter = Counter()
        started = time.perf_counter()
        profiler.start()
        for n in range(count):
            response = hold(index + n, blocks[index + n])
            statuses[("hold", response.status_code)] += 1
            if n % 2 == 0 and response.status_code == 201:
                paid = pay(index + n, response.json()["id"])
                statuses[("booking", paid.status_code)] += 1
        profiler.stop()
        elapsed = time.perf_counter() - started
        out = bench.RESULTS / "profile-hold.txt"
        bench.RESULTS.mkdir(parents=True, exist_ok=True)
        from pyinstrument.renderers import ConsoleRenderer

        out.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        flat = ConsoleRenderer(unicode=False, color=False, flat=True, time="percent_of_total")
        (bench.RESULTS / "profile-hold-flat.txt").write_text(profiler.output(flat))
        (bench.RESULTS / "profile-hold.html").write_text(profiler.output_html())
        print(
            f"\nprofiled {count} holds + {count // 2} bookings in {elapsed:.2f} s "
            f"({dict(statuses)}); tree in {out}"
        )
    return 0


def cpu_profile(count, blocks, index, hold, refusals=False, pay=None) -> int:
    """Where a hold's CPU time goes: cProfile with a CPU clock, by cumulative time. With
    `refusals`, the blocks are first held by other buyers and the profiled requests are 409s;
    with `pay`, the holds are made first and their bookings are what is profiled."""
    import cProfile
    import io
    import pstats

    if refusals:
        for n in range(count):
            hold(index + count + n, blocks[index + n])
    held = [hold(index + n, blocks[index + n]).json()["id"] for n in range(count)] if pay else []
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for n in range(count):
        if pay:
            pay(index + n, held[n])
        else:
            hold(index + n, blocks[index + n])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    path = bench.RESULTS / "profile-hold-cpu.txt"
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue())
    print(f"\ncProfile (CPU clock) of {count} holds in {path}")
    return index + 2 * count


def cost_table(count, client, event_id, blocks, index, hold, pay, best) -> int:
    """CPU time of this Python process per request, by kind (PostgreSQL and Redis work is in
    their own processes and not included); the ratios are what the load test's ratios aim at."""
    from apps.inventory.models import EventSeat

    baseline_event = EventSeat.objects.exclude(event_id=event_id).values("event_id").first()
    rows = []

    def measure(label, one):
        wall, cpu = time.perf_counter(), time.process_time()
        statuses = Counter(one(n) for n in range(count))
        cpu = (time.process_time() - cpu) / count * 1000
        wall = (time.perf_counter() - wall) / count * 1000
        rows.append((label, cpu, wall, dict(statuses)))
        print(f"  measured {label}: {dict(statuses)}", flush=True)

    measure("GET /healthz", lambda n: client.get("/healthz").status_code)
    measure(
        "GET /api/v1/events/{id}/seats",
        lambda n: client.get(f"/api/v1/events/{event_id}/seats").status_code,
    )
    if baseline_event is None:
        free = list(
            EventSeat.objects.filter(event_id=event_id, status="available")
            .order_by("-id")
            .values_list("id", flat=True)[:count]
        )
        target_event = event_id
    else:
        target_event = baseline_event["event_id"]
        free = list(
            EventSeat.objects.filter(event_id=target_event, status="available").values_list(
                "id", flat=True
            )[:count]
        )
    measure(
        "POST baseline claim (1 seat)",
        lambda n: (
            client.post(
                f"/bench/baseline/events/{target_event}/seats/{free[n % len(free)]}/claim"
            ).status_code
        ),
    )
    held = []

    def one_hold(n):
        response = hold(index + n, blocks[index + n])
        if response.status_code == 201:
            held.append((index + n, response.json()["id"]))
        return response.status_code

    measure("POST /api/v1/holds (4 seats)", one_hold)
    # Most requests of a rush are refusals: other buyers (their own keys) ask for those seats.
    measure(
        "POST /api/v1/holds, taken (409)",
        lambda n: hold(index + count + n, blocks[index + n]).status_code,
    )
    measure("POST /api/v1/bookings", lambda n: pay(*held[n % len(held)]).status_code)
    measure(
        "POST /api/v1/holds, best available 2",
        lambda n: best(index + 2 * count + n, 2).status_code,
    )
    print(f"\n== CPU per request, in-process, {count} each (ms)")
    print(f"  {'request':<34}{'CPU':>8}{'wall':>8}  x healthz CPU  statuses")
    for label, cpu, wall, statuses in rows:
        print(f"  {label:<34}{cpu:>8.2f}{wall:>8.2f}  {cpu / rows[0][1]:>12.1f}  {statuses}")
    return index + 3 * count


if __name__ == "__main__":
    sys.exit(main())
