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
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder

from . import metrics
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
    secret = hashlib.sha256(b"idempotency-fingerprint:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()


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


def _claim_key(user, key: str, fingerprint: str, request) -> int | Response:
    """Stores the key as in progress (its id), or answers from what is stored for it."""
    for _ in range(2):
        params = [user.pk, key, request.method, request.path[:500], fingerprint, timezone.now()]
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, params)
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:
            continue  # pruned in between: try once more
        if existing.request_hash != fingerprint:
            raise RuleBroken(
                "This Idempotency-Key was already used for a different request.",
                code="idempotency_key_reused",
            )
        if existing.status == IdempotencyKey.Status.COMPLETED:
            metrics.IDEMPOTENT_REPLAYS.inc()
            response = Response(existing.response_body, status=existing.response_status)
            response["Idempotent-Replayed"] = "true"
            return response
        if timezone.now() - existing.created_at < STALE_AFTER:
            raise Conflict(
                "A request with this Idempotency-Key is still being processed.",
                code="idempotency_request_in_progress",
                retryable=True,
            )
        IdempotencyKey.objects.filter(pk=existing.pk, status=existing.status).delete()
    raise Conflict("Please retry.", code="idempotency_request_in_progress", retryable=True)


def _complete(claimed: int, response) -> None:
    # DRF's own encoder, once: the same JSON the response gets, without rendering it and
    # parsing it back.
    body = json.dumps(response.data, cls=DRFJSONEncoder)
    sql = _COMPLETE_SQL.format(json="::jsonb" if connection.vendor == "postgresql" else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [response.status_code, body, timezone.now(), claimed])


def _forget(claimed: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_FORGET_SQL, [claimed])


def _worth_storing(response, error: Exception | None) -> bool:
    if response.status_code >= 500:
        return False
    if isinstance(error, ShopError) and error.retryable:
        return False
    return response.status_code not in (401, 403, 429)


def idempotent(handler):
    """Decorates a DRF view method (post/delete/...) to honour the Idempotency-Key header."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(IDEMPOTENCY_HEADER_NAME)
        if not key:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidRequest(
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
                code="invalid_idempotency_key",
            )
        claimed = _claim_key(request.user, key, request_fingerprint(request), request)
        if isinstance(claimed, Response):
            return claimed
        error = None
        try:
            response = handler(view, request, *args, **kwargs)
        except Exception as exc:
            error = exc
            try:
                response = view.handle_exception(exc)
            except Exception:
                # A bug (500): forget the key so that a retry is not blocked behind it.
                _forget(claimed)
                raise
        if _worth_storing(response, error):
            _complete(claimed, response)
        else:
            _forget(claimed)
        return response

    return wrapper


def prune_idempotency_keys() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.TICKETING["IDEMPOTENCY_TTL_HOURS"])
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
