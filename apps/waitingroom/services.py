"""The waiting room's use cases: staff set a room up, pause, resume and change its rate; buyers
join it and ask where they stand; a confirmed booking spends its holder's pass.

The settings are kept in PostgreSQL (WaitingRoom, and the event's `waiting_room` flag that the
hold path reads with the sale facts) and pushed to Redis after the commit, where the queue
lives (apps.waitingroom.state). A buyer's join and status read Redis only."""

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common import rate_limits
from apps.common.errors import NotFound, RuleBroken
from apps.common.process_cache import MISSING, ProcessCache
from apps.events import services as event_services
from apps.events.sale_facts import sale_facts

from . import passes, polling, state
from .models import WaitingRoom
from .state import RoomUnavailable

logger = logging.getLogger(__name__)

ROOM_FIELDS = ("enabled", "opens_at", "admission_per_minute", "pass_minutes", "paused")


def configure_room(*, event_id, draw_seed: str | None = None, **changes) -> WaitingRoom:
    """Creates or changes the event's room (any of ROOM_FIELDS). A room can be switched on only
    where there is Redis: the queue lives there. `draw_seed`, for a new room only, fixes the
    lottery's key (random otherwise): published after the draw, anyone can recompute it."""
    unknown = set(changes) - set(ROOM_FIELDS)
    if unknown:
        raise ValueError(f"not a room setting: {sorted(unknown)}")
    if changes.get("enabled") and not settings.USING_REDIS:
        raise RuleBroken(
            _("A waiting room needs Redis (set REDIS_URL); this shop runs without it."),
            code="waiting_room_needs_redis",
        )
    with transaction.atomic():
        event_services.get_event(event_id, lock=True)
        room = WaitingRoom.objects.select_for_update().filter(event_id=event_id).first()
        if room is None:
            if "opens_at" not in changes:
                raise RuleBroken(_("Say when the room opens."), code="opening_time_required")
            room = WaitingRoom(event_id=event_id)
            if draw_seed:
                room.draw_seed = draw_seed
        for name, value in changes.items():
            setattr(room, name, value)
        room.full_clean(exclude=["event"])
        room.save()
        event_services.set_waiting_room(event_id, room.enabled)
        transaction.on_commit(lambda: _push_quietly(room))
    return room


def pause_room(*, event_id) -> WaitingRoom:
    return configure_room(event_id=event_id, paused=True)


def resume_room(*, event_id) -> WaitingRoom:
    return configure_room(event_id=event_id, paused=False)


def _push(room: WaitingRoom) -> None:
    state.push_settings(
        room.event_id,
        on=room.enabled,
        rate=room.admission_per_minute,
        opens_ms=int(room.opens_at.timestamp() * 1000),
        paused=room.paused,
        pass_ms=room.pass_minutes * 60_000,
        seed=room.draw_seed,
    )


def _push_quietly(room: WaitingRoom) -> None:
    """Redis away at the moment staff save: the first status request after it is back pushes
    the settings again (`_shared_state`)."""
    try:
        _push(room)
    except RoomUnavailable:
        logger.warning("room settings of event %s not pushed to Redis; pushed later", room.pk)


# Events without a room (or with one switched off) that buyers ask about: remembered for a
# second so a crowd polling a room that does not exist does not read the database each time.
_no_room = ProcessCache("waiting-room-missing", seconds=1.0, max_entries=1024)


def _shared_state(event_id) -> state.SharedState:
    found = state.read_shared(event_id)
    if found is not None:
        return found
    # Redis has no settings for this room: new, pushed while Redis was away, or Redis lost them.
    if _no_room.get(int(event_id)) is not MISSING:
        raise NotFound(_("This event has no waiting room."), code="no_waiting_room")
    room = WaitingRoom.objects.filter(event_id=event_id).first()
    if room is None:
        _no_room.set(int(event_id), True)
        raise NotFound(_("This event has no waiting room."), code="no_waiting_room")
    _push(room)
    return state.read_shared(event_id)


@dataclass(frozen=True)
class Place:
    """Where one buyer stands in one room."""

    event_id: int
    # not_joined | waiting | admitted | expired (the pass ran out unused) | spent (used for a
    # booking) | closed (the room is off: buy as usual)
    state: str
    position: int | None = None  # 1 = next in
    waiting: int = 0
    estimated_wait_seconds: int | None = None
    poll_seconds: float | None = None
    opens_at: datetime | None = None
    paused: bool = False
    queue_pass: str | None = None
    pass_expires_at: datetime | None = None


def _as_time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _poll_seconds(position: int, waiting: int, paused: bool) -> float:
    """Within the room's budget of answers (apps.waitingroom.polling): one about to be admitted
    asks every couple of seconds, one far back rarely. Paused: five times the shortest interval
    at least, so a resume is noticed soon without a crowd asking hard."""
    config = settings.TICKETING
    low, high = config["ROOM_POLL_MIN_SECONDS"], config["ROOM_POLL_MAX_SECONDS"]
    seconds = polling.poll_seconds(
        position, waiting, budget=config["ROOM_STATUS_PER_SECOND"], low=low, high=high
    )
    return round(min(high, max(seconds, 5 * low)), 1) if paused else seconds


def _place(event_id, user_id, raw: list) -> Place:
    outcome, now_ms = int(raw[0]), int(raw[1])
    if outcome == -1:
        raise RoomUnavailable()  # settings vanished between two calls: ask again
    shared = _shared_state(event_id)
    opens_at = _as_time(shared.opens_ms)
    common = {"event_id": int(event_id), "opens_at": opens_at, "paused": shared.paused}
    if outcome == -2 or not shared.on:
        return Place(state="closed", **common)
    if outcome == -3:
        return Place(state="not_joined", waiting=shared.waiting, **common)
    rank, admitted = int(raw[2]), int(raw[3])
    if outcome == 2:
        return Place(state="spent", **common)
    if outcome == 1:
        expires_ms = int(float(raw[4]))
        if expires_ms <= now_ms:
            return Place(state="expired", **common)
        return Place(
            state="admitted",
            queue_pass=passes.issue(event_id, user_id, expires_ms),
            pass_expires_at=_as_time(expires_ms),
            **common,
        )
    position = rank - admitted + 1
    wait = None
    if not shared.paused:
        wait = position * 60 / shared.rate_per_minute + max(0, shared.opens_ms - now_ms) / 1000
    return Place(
        state="waiting",
        position=position,
        waiting=shared.waiting,
        estimated_wait_seconds=None if wait is None else math.ceil(wait),
        poll_seconds=_poll_seconds(position, shared.waiting, shared.paused),
        **common,
    )


def join_room(*, user, event_id, address: str | None = None) -> Place:
    """The buyer's place in the event's room: a new one at the first join, the same one on every
    join after (another tab, another device); one Redis call. With the client's `address`
    (buyers' requests; not staff tools or tests joining for a buyer) the join counts against
    the room_join rate limits in that same call: 429 `room_join_rate_limited` past them."""
    raw = state.join(_existing_room(event_id), user.pk, address)
    if int(raw[0]) == -4:
        raise rate_limits.refusal("room_join", raw[2], raw[3])
    return _place(event_id, user.pk, raw)


def room_status(*, user, event_id) -> Place:
    """Where the buyer stands; once admitted, their pass. One Redis call of their own, plus the
    shared state at most once a second per process."""
    raw = state.mine(_existing_room(event_id), user.pk)
    return _place(event_id, user.pk, raw)


def _existing_room(event_id) -> int:
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such event."), code="event_not_found") from None
    _shared_state(event_id)  # 404 without a room; pushes lost settings again
    return event_id


def spend_pass(*, event_id, user_id) -> None:
    """A booking of the buyer's was confirmed: their pass stops working. Quiet when Redis is
    away (the pass runs out by itself within its minutes)."""
    if not sale_facts(event_id).waiting_room:
        return
    try:
        state.spend(event_id, user_id)
    except RoomUnavailable:
        logger.warning("pass of user %s for event %s not spent: Redis away", user_id, event_id)


@dataclass(frozen=True)
class RoomFigures:
    """What staff see on the room's page."""

    waiting: int
    admitted: int
    passes_in_use: int
    rate_per_minute: int
    paused: bool
    minutes_to_empty: float | None


def room_figures(event_id) -> RoomFigures:
    state.forget_shared(event_id)  # staff see it fresh
    shared = _shared_state(event_id)
    empty = None if shared.paused else round(shared.waiting / shared.rate_per_minute, 1)
    return RoomFigures(
        waiting=shared.waiting,
        admitted=shared.admitted,
        passes_in_use=shared.passes_in_use,
        rate_per_minute=shared.rate_per_minute,
        paused=shared.paused,
        minutes_to_empty=empty,
    )
