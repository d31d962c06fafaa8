"""Idempotency keys for unsafe API calls (docs/architecture.md).

The first response for (user, key) is stored with a hash of the request. A retry with the same
key and body gets that response again and nothing is done twice; the same key with another body
is a 422; a duplicate that arrives while the first is still running is a 409. Retryable failures
(lock contention, a gateway hiccup, a 5xx) are not stored, so the same key can try again."""

import functools
import hashlib
import hmac
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder

from . import idempotency_redis, metrics
from .errors import Conflict, InvalidRequest, RuleBroken, ShopError
from .models import IdempotencyKey

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER_NAME = "Idempotency-Key"
# A request still "in progress" after this long died with its process; its key may be reused.
STALE_AFTER = timedelta(minutes=2)


# The longest key the table takes: a longer one is a 400, never a failed insert.
MAX_KEY_LENGTH = IdempotencyKey._meta.get_field("key").max_length


def request_fingerprint(request) -> str:
    """A keyed hash (HMAC-SHA256 with a key derived from SECRET_KEY) of the request: a body
    with a card number in it cannot be recovered from the table by hashing guesses offline."""
    body = request.data if hasattr(request, "data") else {}
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": body},
        sort_keys=True,
        default=str,
    )
    secret = _fingerprint_key(settings.SECRET_KEY)
    return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=4)
def _fingerprint_key(secret_key: str) -> bytes:
    # Derived once per key, not on every unsafe request of a rush.
    return hashlib.sha256(b"idempotency-fingerprint:" + secret_key.encode()).digest()


# Every hold request of a rush writes one of these and most are refusals: the claim and the
# completion are one plain statement each, written out (the ORM's model instance, savepoint and
# IntegrityError path cost more CPU than PostgreSQL spends on them). Their ORM twins are the
# model itself; SQLite runs the same statements.
_TABLE = IdempotencyKey._meta.db_table
_CLAIM_SQL = f"""
INSERT INTO {_TABLE} (user_id, key, method, path, request_hash, status, created_at)
VALUES (%s, %s, %s, %s, %s, '{IdempotencyKey.Status.IN_PROGRESS}', %s)
ON CONFLICT (user_id, key) DO NOTHING
RETURNING id
"""  # noqa: S608 - built from constants only
_COMPLETE_SQL = f"""
UPDATE {_TABLE}
SET status = '{IdempotencyKey.Status.COMPLETED}', response_status = %s,
    response_body = %s{{json}}, completed_at = %s
WHERE id = %s
"""  # noqa: S608 - built from constants only
_FORGET_SQL = f"DELETE FROM {_TABLE} WHERE id = %s"  # noqa: S608 - built from constants only


def _answer_from(stored_fingerprint, fingerprint, completed, status, body) -> Response:
    """What a request gets for a key another request already has."""
    if stored_fingerprint != fingerprint:
        raise RuleBroken(
            gettext("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_reused",
        )
    if completed:
        metrics.IDEMPOTENT_REPLAYS.inc()
        response = Response(body, status=status)
        response["Idempotent-Replayed"] = "true"
        return response
    raise Conflict(
        gettext("A request with this Idempotency-Key is still being processed."),
        code="idempotency_request_in_progress",
        retryable=True,
    )


class _DatabaseRecord:
    """The durable record: a row of IdempotencyKey."""

    def __init__(self, row_id: int):
        self.row_id = row_id

    @classmethod
    def claim(cls, user, key: str, fingerprint: str, request) -> "_DatabaseRecord | Response":
        """Stores the key as in progress, or answers from what is stored for it."""
        for _ in range(2):
            params = [user.pk, key, request.method, request.path[:500], fingerprint, timezone.now()]
            with connection.cursor() as cursor:
                cursor.execute(_CLAIM_SQL, params)
                row = cursor.fetchone()
            if row is not None:
                return cls(row[0])
            existing = IdempotencyKey.objects.filter(user=user, key=key).first()
            if existing is None:
                continue  # pruned in between: try once more
            completed = existing.status == IdempotencyKey.Status.COMPLETED
            stale = timezone.now() - existing.created_at >= STALE_AFTER
            if completed or not stale or existing.request_hash != fingerprint:
                return _answer_from(
                    existing.request_hash,
                    fingerprint,
                    completed,
                    existing.response_status,
                    existing.response_body,
                )
            IdempotencyKey.objects.filter(pk=existing.pk, status=existing.status).delete()
        raise Conflict(
            gettext("Please retry."), code="idempotency_request_in_progress", retryable=True
        )

    def complete(self, response, body: str) -> None:
        sql = _COMPLETE_SQL.format(json="::jsonb" if connection.vendor == "postgresql" else "")
        with connection.cursor() as cursor:
            cursor.execute(sql, [response.status_code, body, timezone.now(), self.row_id])

    def forget(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(_FORGET_SQL, [self.row_id])


class _RedisRecord:
    """The quick record (apps.common.idempotency_redis says when it is enough)."""

    def __init__(self, name: str, fingerprint: str):
        self.name, self.fingerprint = name, fingerprint

    @classmethod
    def claim(cls, user, key: str, fingerprint: str, request) -> "_RedisRecord | Response":
        name, existing = idempotency_redis.claim(
            user, key, fingerprint, STALE_AFTER.total_seconds()
        )
        if existing is None:
            return cls(name, fingerprint)
        return _answer_from(
            existing["h"],
            fingerprint,
            "status" in existing,
            existing.get("status"),
            existing.get("body"),
        )

    def complete(self, response, body: str) -> None:
        idempotency_redis.complete(self.name, self.fingerprint, response.status_code, body)

    def forget(self) -> None:
        idempotency_redis.forget(self.name)


def _claim(user, key: str, fingerprint: str, request, durable: bool):
    if not durable:
        try:
            return _RedisRecord.claim(user, key, fingerprint, request)
        except idempotency_redis.RedisUnavailable:
            pass  # the database keeps the record while Redis is away
    return _DatabaseRecord.claim(user, key, fingerprint, request)


def _worth_storing(response, error: Exception | None) -> bool:
    if response.status_code >= 500:
        return False
    if isinstance(error, ShopError) and error.retryable:
        return False
    return response.status_code not in (401, 403, 429)


def idempotent(handler=None, *, durable: bool = True):
    """Decorates a DRF view method (post/delete/...) to honour the Idempotency-Key header.

    `durable=False` keeps the record in Redis while Redis is up, for calls whose effect has a
    guard of its own against running twice (apps.common.idempotency_redis)."""
    if handler is None:
        return functools.partial(idempotent, durable=durable)

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(IDEMPOTENCY_HEADER_NAME)
        if not key:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidRequest(
                gettext("Idempotency-Key must be 1 to %(max)s characters.")
                % {"max": MAX_KEY_LENGTH},
                code="invalid_idempotency_key",
            )
        record = _claim(request.user, key, request_fingerprint(request), request, durable)
        if isinstance(record, Response):
            return record
        error = None
        try:
            response = handler(view, request, *args, **kwargs)
        except Exception as exc:
            error = exc
            try:
                response = view.handle_exception(exc)
            except Exception:
                # A bug (500): forget the key so that a retry is not blocked behind it.
                record.forget()
                raise
        if _worth_storing(response, error):
            # DRF's own encoder, once: the same JSON the response gets, without rendering it
            # and parsing it back.
            record.complete(response, json.dumps(response.data, cls=DRFJSONEncoder))
        else:
            record.forget()
        return response

    return wrapper


def prune_idempotency_keys() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.TICKETING["IDEMPOTENCY_TTL_HOURS"])
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
