"""The general-admission phase of `make bench`: every buyer of the rush wants places in the same
standing area, the worst hot spot of all. Same buyers, same quantities and the same share of
payers as the seated rush, so that its throughput and P99 stand beside the seated rush's."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

AREA = "Standing"


def create_standing_event(label: str, capacity: int) -> int:
    """An on-sale event whose only inventory is one standing area of `capacity` places, made
    through the shop's own services."""
    from django.utils import timezone

    from apps.events.models import Event, PriceTier, Venue
    from apps.inventory.layouts import add_standing_area
    from apps.inventory.publishing import publish_event

    venue = Venue.objects.create(name=f"Bench club {label}", city="Benchville")
    add_standing_area(venue=venue, name=AREA, capacity=capacity)
    event = Event.objects.create(
        venue=venue,
        title=f"Flash sale {label}",
        slug=f"flash-sale-{label}",
        starts_at=timezone.now() + timedelta(days=30),
        hold_minutes=10,
        max_seats_per_order=8,
    )
    PriceTier.objects.create(event=event, name="Standing", price=Decimal("39.00"))
    publish_event(event_id=event.pk)
    return event.pk


class StandingRush:
    """The buyers' journey for a standing area: ask for a quantity; told fewer are left, ask for
    what is left; told the area is busy, ask again; then the rush's share of holders pay."""

    def __init__(self, args, event_id, tokens, client, tag, *, card, quantities, weights):
        self.args = args
        self.quantities, self.weights = quantities, weights
        self.event_id = event_id
        self.tokens = tokens
        self.client = client
        self.tag = tag
        self.card = card
        self.holds: list[dict] = []
        self.bookings: list[dict] = []
        self.demand = 0
        self.unexpected: dict = {}
        self.map_reads = 0

    def headers(self, index: int, key: str) -> dict:
        headers = {"Authorization": f"Bearer {self.tokens[index]}"}
        if self.args.idempotency_keys:
            headers["Idempotency-Key"] = key
        return headers

    def _unexpected(self, what: str) -> None:
        self.unexpected[what] = self.unexpected.get(what, 0) + 1

    async def journey(self, index: int) -> str:
        rng = random.Random(self.args.seed * 1_000_003 + index)
        want = rng.choices(self.quantities, self.weights)[0]
        self.demand += want
        pays = rng.random() < self.args.pay_share
        for attempt in range(self.args.retries + 1):
            body = {"event": self.event_id, "area": AREA, "quantity": want}
            status, data, _ = await self.client.call(
                "hold",
                "POST",
                "/api/v1/holds",
                json_body=body,
                headers=self.headers(index, f"{self.tag}-hold-{index}-{attempt}"),
            )
            if status == 201:
                hold = {
                    "buyer": index,
                    "id": data["id"],
                    "seats": [seat["id"] for seat in data["seats"]],
                    "paid": False,
                }
                self.holds.append(hold)
                if pays:
                    await self.pay(index, hold)
                return "held+paid" if hold["paid"] else "held"
            code = data.get("code") if isinstance(data, dict) else None
            if status == 409 and code == "not_enough_places":
                left = int(data.get("left") or 0)
                if left <= 0:
                    return "sold out"
                want = min(want, left)
                continue
            if status == 409 and code == "area_busy":
                continue
            self._unexpected(f"hold {status} {code or ''}".strip())
            return f"hold failed ({status})"
        return "gave up"

    async def pay(self, index: int, hold: dict):
        status, data, _ = await self.client.call(
            "booking",
            "POST",
            "/api/v1/bookings",
            json_body={"hold": hold["id"], "payment": self.card},
            headers=self.headers(index, f"{self.tag}-pay-{index}"),
        )
        if status == 201:
            hold["paid"] = True
            self.bookings.append({"buyer": index, "hold": hold["id"], "data": data})
        else:
            code = data.get("code", "") if isinstance(data, dict) else ""
            self._unexpected(f"booking {status} {code}".strip())
