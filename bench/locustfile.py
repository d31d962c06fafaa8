"""The flash-sale journey for Locust users: the same buyers, seat choice, retries and payments as
bench/run.py, one Locust user per buyer.

Locust is not a dependency of the shop (pip install locust). Prepare the data and start the shop
first; bench/run.py --serve does both and writes the buyers' tokens for this file:

    .venv/bin/python bench/run.py --serve            # terminal 1: shop on 127.0.0.1:8111
    BENCH_SETUP=bench/results/locust-setup.json \\
        locust -f bench/locustfile.py --host http://127.0.0.1:8111 \\
        --users 128 --spawn-rate 128 --run-time 2m --headless   # terminal 2

Each user loads the seat map (conditionally, with the ETag it last saw), picks 1 to 4 adjacent
seats (front rows more often) or asks for best-available, tries another choice on a 409 up to
5 times, pays in half of the cases with the sandbox success card, and leaves.
"""

import itertools
import json
import os
import random
import sys
from pathlib import Path

from locust import HttpUser, between, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (  # noqa: E402
    QUANTITIES,
    QUANTITY_WEIGHTS,
    SUCCESS_CARD,
    SeatView,
    taken_from_map,
)

SETUP = json.loads(
    Path(os.environ.get("BENCH_SETUP", "bench/results/locust-setup.json")).read_text()
)
LAYOUT = {int(row): [tuple(seat) for seat in seats] for row, seats in SETUP["layout"].items()}
EVENT = SETUP["event"]
RETRIES = int(os.environ.get("BENCH_RETRIES", 5))
BEST_SHARE = float(os.environ.get("BENCH_BEST_SHARE", 0.2))
PAY_SHARE = float(os.environ.get("BENCH_PAY_SHARE", 0.5))
_buyers = itertools.count()


class Buyer(HttpUser):
    wait_time = between(0.1, 0.5)

    def on_start(self):
        self.index = next(_buyers)
        if self.index >= len(SETUP["tokens"]):
            raise StopUser()
        self.rng = random.Random(self.index)
        self.headers = {"Authorization": f"Bearer {SETUP['tokens'][self.index]}"}
        self.view = SeatView(LAYOUT)
        self.etag = None

    def load_map(self):
        headers = dict(self.headers)
        if self.etag:
            headers["If-None-Match"] = self.etag
        with self.client.get(
            f"/api/v1/events/{EVENT}/seats", headers=headers, name="seat map", catch_response=True
        ) as response:
            if response.status_code == 304:
                response.success()
            elif response.status_code == 200:
                self.etag = response.headers.get("ETag")
                taken = taken_from_map(response.json())
                if taken is not None:
                    self.view.replace(taken)

    @task
    def journey(self):
        self.load_map()
        want = self.rng.choices(QUANTITIES, QUANTITY_WEIGHTS)[0]
        best = self.rng.random() < BEST_SHARE
        avoid: set[int] = set()
        for attempt in range(RETRIES + 1):
            block = None if best else self.view.choose(self.rng, want, avoid)
            body = {"event": EVENT, **({"seats": block} if block else {"quantity": want})}
            headers = {**self.headers, "Idempotency-Key": f"locust-hold-{self.index}-{attempt}"}
            with self.client.post(
                "/api/v1/holds", json=body, headers=headers, name="hold", catch_response=True
            ) as response:
                if response.status_code == 201:
                    hold = response.json()
                    break
                if response.status_code != 409:
                    response.failure(f"{response.status_code}: {response.text[:200]}")
                    raise StopUser()
                # A 409 is the sale working as designed, not a failure of the shop.
                response.success()
                error = response.json()
                if error.get("code") in ("seats_unavailable", "seat_busy"):
                    avoid.update(error.get("seats") or block or [])
                elif error.get("code") == "no_adjacent_seats" and want > 1:
                    want -= 1
                else:
                    raise StopUser()
        else:
            raise StopUser()
        if self.rng.random() < PAY_SHARE:
            self.client.post(
                "/api/v1/bookings",
                json={"hold": hold["id"], "payment": SUCCESS_CARD},
                headers={**self.headers, "Idempotency-Key": f"locust-pay-{self.index}"},
                name="booking",
            )
        raise StopUser()
