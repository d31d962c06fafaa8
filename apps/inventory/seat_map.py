"""The seat map in two answers that scale with a stadium:

- the **layout** (every seat's place, section, row, number and price tier, in layout order,
  and the tiers): it does not change during a sale, so it is versioned by its content and
  served once, cacheable for good under its version;
- the **availability**: two bitsets over the layout order (held, sold), drawn from the
  taken-seat snapshot, a few kilobytes even for 20,000 seats, at most a second old.

Both are rendered documents with an ETag, kept by each process and shared through the cache,
so that a refreshing crowd costs almost nothing. Whoever changes a seat's tier (apps.inventory
.seats) forgets the layout."""

import base64
import hashlib
import json
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.common import shared_cache
from apps.common.process_cache import MISSING, ProcessCache
from apps.events.models import PriceTier

from . import snapshot
from .models import EventSeat

LAYOUT_SECONDS = 30.0
_layouts = ProcessCache("seat-layouts", seconds=LAYOUT_SECONDS, max_entries=64)
_availability = ProcessCache(
    "seat-availability", seconds=snapshot.snapshot_seconds, max_entries=256
)


@dataclass(frozen=True)
class Document:
    etag: str  # quoted, as the header wants it
    body: bytes
    sections: tuple = ()  # of a layout: its section names, sorted
    counts: tuple = ()  # of an availability answer: (available, held, sold)
    areas: tuple = ()  # of a layout: its standing areas; of an availability answer: places left

    @property
    def version(self) -> str:
        return self.etag.strip('"')


def _document(data: dict) -> Document:
    body = json.dumps(data, separators=(",", ":")).encode()
    return Document('"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"', body)


def _render_layout(event_id: int) -> Document | None:
    """The numbered seats (positions 0 .. seated - 1, so a seat's index in `seats` is its bit in
    the availability answer) and the standing areas (runs of positions after them, drawn as
    areas, not seats: apps.inventory.areas)."""
    rows = list(
        EventSeat.objects.filter(event_id=event_id)
        .order_by("position")
        .values_list(
            "id",
            "seat__section",
            "seat__row",
            "seat__number",
            "seat__x",
            "seat__y",
            "price_tier_id",
            "seat__standing",
        )
    )
    if not rows:
        return None
    seats = [row[:7] for row in rows if not row[7]]
    standing = _standing_areas(rows[len(seats) :], first=len(seats))
    tiers = {
        str(tier_id): {"name": name, "price": str(price), "colour": colour}
        for tier_id, name, price, colour in PriceTier.objects.filter(event_id=event_id)
        .order_by("id")
        .values_list("id", "name", "price", "colour")
    }
    sections = sorted({seat[1] for seat in seats})
    content = _document({"seats": seats, "tiers": tiers, "areas": standing})
    document = _document(
        {
            "event": event_id,
            "version": content.version,
            "sections": sections,
            "tiers": tiers,
            "seats": seats,
            "areas": standing,
        }
    )
    # The ETag is the content's own version, which the availability answer names.
    return Document(f'"{content.version}"', document.body, tuple(sections), areas=tuple(standing))


def _standing_areas(places: list, first: int) -> list[dict]:
    """Each area (places in layout order, from position `first` on) with where its places
    start, how many there are and the tiers they sell at."""
    found = {}
    for position, (_, section, _, _, _, _, tier_id, _) in enumerate(places, start=first):
        area = found.setdefault(
            section, {"name": section, "first": position, "capacity": 0, "tiers": []}
        )
        area["capacity"] += 1
        if tier_id not in area["tiers"]:
            area["tiers"].append(tier_id)
    for area in found.values():
        area["tiers"].sort()
    return list(found.values())


def layout_document(event_id: int) -> Document | None:
    """The event's layout; None when it has no seats (not published)."""
    kept = _layouts.get(event_id)
    if kept is not MISSING:
        return kept
    key = f"seat-layout:{event_id}"
    shared = shared_cache.get(key)
    document = Document(*shared) if shared else _render_layout(event_id)
    if document is None:
        return None
    if not shared:
        shared = (document.etag, document.body, document.sections, (), document.areas)
        shared_cache.set(key, shared, LAYOUT_SECONDS)
    return _layouts.set(event_id, document)


def forget_layout(event_id: int) -> None:
    """Forgotten here now; in the shared cache once the re-pricing is committed (no Redis call
    under the caller's row locks)."""
    _layouts.forget(event_id)

    def everywhere():
        _layouts.forget(event_id)
        shared_cache.delete(f"seat-layout:{event_id}")

    transaction.on_commit(everywhere)


def _bits(value: bytearray) -> str:
    return base64.b64encode(bytes(value)).decode()


def availability_document(event_id: int) -> Document | None:
    """Held and sold seats as bitsets over the layout order (bit n of byte n // 8, least
    significant first, is the seat at position n), with the layout version they go with."""
    layout = layout_document(event_id)
    if layout is None:
        return None
    taken = snapshot.taken_seats(event_id)
    kept = _availability.get(event_id)
    drawn_from = (taken.rendered_at, taken.remembered, layout.etag)
    if kept is not MISSING and kept[0] == drawn_from:
        return kept[1]
    available = taken.seats - taken.held_count - taken.sold_count
    now = timezone.now()
    places_left = {
        area["name"]: taken.free_between(area["first"], area["capacity"], now)
        for area in layout.areas
    }
    document = _document(
        {
            "event": event_id,
            "layout": layout.version,
            "seats": taken.seats,
            "available": available,
            "held": _bits(taken.held),
            "sold": _bits(taken.sold),
            "areas": places_left,
        }
    )
    document = Document(
        document.etag,
        document.body,
        counts=(available, taken.held_count, taken.sold_count),
        areas=tuple(places_left.items()),
    )
    left = snapshot.snapshot_seconds() - (time.time() - taken.rendered_at)
    _availability.set(event_id, (drawn_from, document), seconds=left)
    return document
