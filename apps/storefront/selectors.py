"""Reads of the storefront: what a buyer is told about an event's seats (counts, and the seat
map as a rendered document), composed from the catalogue (apps.events) and the seat inventory
(apps.inventory)."""

import hashlib
import json
import time as time_module
from dataclasses import dataclass

from apps.common import shared_cache
from apps.common.errors import NotFound
from apps.common.process_cache import MISSING, ProcessCache
from apps.events.sale_facts import sale_facts
from apps.events.selectors import PUBLIC_STATUSES, public_event_exists
from apps.inventory import seat_map
from apps.inventory.selectors import event_seat_map


def availability(counts: dict[str, int] | None) -> dict:
    """What a buyer is told about an event's seats, from inventory.selectors.seat_counts.
    Sold out means every seat is sold; when the rest are only held, some may come back."""
    counts = counts or {}
    available = counts.get("available", 0)
    held = counts.get("held", 0)
    sold = counts.get("sold", 0)
    return {
        "seats_available": available,
        "seats_held": held,
        "seats_sold": sold,
        "sold_out": available == 0 and held == 0,
    }


# A refreshing crowd of seat maps costs one query per event per second: the rendered document is
# shared through the cache, and kept by each process, until it is this old (a buyer may see a
# seat go up to a second late; the hold itself always decides on the database).
SEAT_MAP_CACHE_SECONDS = 1.0
_clock = time_module.time  # wall clock: a document's age must mean the same in every process
_kept_seat_maps = ProcessCache("seat-maps", seconds=SEAT_MAP_CACHE_SECONDS, max_entries=64)


@dataclass(frozen=True)
class SeatMapDocument:
    etag: str
    body: bytes
    built_at: float  # _clock() when rendered


def _render_seat_map(event_id: int) -> SeatMapDocument:
    built_at = _clock()
    seats = [
        {
            "id": seat["id"],
            "section": seat["section"],
            "row": seat["row"],
            "number": seat["number"],
            "x": seat["x"],
            "y": seat["y"],
            "price": str(seat["price"]),
            "price_tier": seat["price_tier_id"],
            "status": seat["public_status"],
        }
        for seat in event_seat_map(event_id)
    ]
    body = json.dumps({"event": event_id, "seats": seats}, separators=(",", ":")).encode()
    return SeatMapDocument(
        etag='"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"',
        body=body,
        built_at=built_at,
    )


def _keep(event_id, document: SeatMapDocument) -> SeatMapDocument | None:
    """Keeps the document in this process for what is left of its second; None if it is
    already older than that."""
    left = SEAT_MAP_CACHE_SECONDS - (_clock() - document.built_at)
    if left <= 0:
        return None
    # Never longer than a second from now (the cache's own bound), whatever another machine's
    # clock said.
    return _kept_seat_maps.set(event_id, document, seconds=left)


def forget_seat_maps():
    _kept_seat_maps.forget()


def seat_map_document(event_id: int) -> SeatMapDocument | None:
    """The public seat map of an event as rendered JSON with its ETag, at most about a second
    old; None for an event the public cannot see.

    Three layers: this process's copy (no network at all: what makes a refreshing crowd cheap),
    the shared cache (one render per event and second across all processes), the database."""
    kept = _kept_seat_maps.get(event_id)
    if kept is not MISSING:
        return kept
    key = f"seat-map-doc:{event_id}"
    cached = shared_cache.get(key)
    if cached is not None and len(cached) == 3:  # (etag, body, built_at)
        document = _keep(event_id, SeatMapDocument(*cached))
        if document is not None:
            return document
    if not public_event_exists(event_id):
        return None
    document = _render_seat_map(event_id)
    shared_cache.set(key, (document.etag, document.body, document.built_at), SEAT_MAP_CACHE_SECONDS)
    return _keep(event_id, document) or document


def _public(event_id) -> bool:
    """On sale or cancelled (drafts are staff-only), from the event's facts kept a second."""
    try:
        return sale_facts(event_id).status in PUBLIC_STATUSES
    except NotFound:
        return False


def seat_layout(event_id: int):
    """The seat layout document of a public event (apps.inventory.seat_map), or None."""
    return seat_map.layout_document(event_id) if _public(event_id) else None


def seat_availability(event_id: int):
    """The availability document of a public event, or None."""
    return seat_map.availability_document(event_id) if _public(event_id) else None


def standing_areas(layout, availability, tiers) -> list[dict]:
    """The event's standing areas as its page shows them: name, capacity, places left now
    (from the availability answer, at most a second old) and the tiers they sell at."""
    left = dict(availability.areas)
    by_id = {tier.id: tier for tier in tiers}
    return [
        {
            "name": area["name"],
            "capacity": area["capacity"],
            "left": left.get(area["name"], 0),
            "tiers": [by_id[t] for t in area["tiers"] if t in by_id],
        }
        for area in layout.areas
    ]
