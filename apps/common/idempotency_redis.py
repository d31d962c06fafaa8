"""Idempotency records in Redis, for requests whose effect has a guard of its own.

A rush sends thousands of hold requests a second, most of them refusals, and each carries an
Idempotency-Key. In the database its record was two statements (claim, completion) and a
commit each: more than PostgreSQL spends on the hold itself. Here the claim is one `SET NX GET`
and the completion one `SET`.

Why Redis is enough for holds (apps.common.idempotency has the rules; payments keep their
records in the database): a record here can be lost (Redis flushed, failed over, or down so
that the request fell back to the database), and a retry then runs again. For a hold that is
harmless, because the hold engine allows one live hold per buyer and event: the retry is
refused with `active_hold_exists` naming the first hold instead of holding seats twice."""

import hashlib
import json
import logging

from django.conf import settings
from redis.exceptions import RedisError

from .redis import redis_connection, redis_health, redis_key

logger = logging.getLogger(__name__)


class RedisUnavailable(Exception):
    """No Redis for this request: the caller records it in the database instead."""


def _record_key(user, key: str) -> str:
    # Hashed: keys are up to 255 characters of anything; the Redis key stays short and plain.
    return redis_key("idempotency", user.pk, hashlib.sha256(key.encode()).hexdigest()[:40])


def _connection():
    conn = redis_connection()
    if conn is None or not redis_health.available():
        raise RedisUnavailable
    return conn


def claim(user, key: str, fingerprint: str, stale_seconds: float) -> tuple[str, dict | None]:
    """(the record's name, None) when this request now owns the key; (name, the record) when
    another request has it: {"h": fingerprint} while in progress, with "status" and "body"
    once completed. An in-progress record lapses after `stale_seconds` (its process died)."""
    conn = _connection()
    name = _record_key(user, key)
    try:
        existing = conn.set(
            name, json.dumps({"h": fingerprint}), nx=True, get=True, px=int(stale_seconds * 1000)
        )
    except RedisError as exc:
        redis_health.failed()
        raise RedisUnavailable from exc
    return name, (json.loads(existing) if existing is not None else None)


def complete(name: str, fingerprint: str, status: int, body: str) -> None:
    """Stores the response; a failure only costs the replay (see the module's docstring)."""
    record = f'{{"h": {json.dumps(fingerprint)}, "status": {status}, "body": {body}}}'
    ttl = int(settings.TICKETING["IDEMPOTENCY_TTL_HOURS"] * 3600)
    try:
        _connection().set(name, record, ex=ttl)
    except (RedisUnavailable, RedisError) as exc:
        _failed("stored", exc)


def forget(name: str) -> None:
    try:
        _connection().delete(name)
    except (RedisUnavailable, RedisError) as exc:
        _failed("dropped (an in-progress record lapses by itself)", exc)


def _failed(what: str, exc: Exception) -> None:
    if isinstance(exc, RedisError):
        redis_health.failed()
    logger.warning("idempotency record not %s in Redis: %r", what, exc)
