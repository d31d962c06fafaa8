"""Idempotency keys for unsafe API calls (docs/architecture.md).

The first response for (user, key) is stored with a hash of the request. A retry with the same
key and body gets that response again and nothing is done twice; the same key with another body
is a 422; a duplicate that arrives while the first is still running is a 409. Retryable failures
(lock contention, a gateway hiccup, a 5xx) are not stored, so the same key can try again."""

import contextlib
import functools
import hashlib
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from . import metrics
from .errors import Conflict, InvalidRequest, RuleBroken, ShopError
from .models import IdempotencyKey

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER_NAME = "Idempotency-Key"
# A request still "in progress" after this long died with its process; its key may be reused.
STALE_AFTER = timedelta(minutes=2)


def request_fingerprint(request) -> str:
    body = request.data if hasattr(request, "data") else {}
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": body},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim_key(user, key: str, fingerprint: str, request) -> IdempotencyKey | Response:
    """Stores the key as in progress, or answers from what is stored for it."""
    for _ in range(2):
        try:
            # A savepoint only when inside a caller's transaction (a duplicate key must not
            # abort it); on its own the insert commits by itself, without BEGIN/COMMIT trips.
            nested = transaction.get_connection().in_atomic_block
            with transaction.atomic() if nested else contextlib.nullcontext():
                return IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    request_hash=fingerprint,
                )
        except IntegrityError:
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
        if not key or len(key) > 255:
            raise InvalidRequest(
                "Idempotency-Key must be 1 to 255 characters.", code="invalid_idempotency_key"
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
                IdempotencyKey.objects.filter(pk=claimed.pk).delete()
                raise
        if _worth_storing(response, error):
            body = json.loads(JSONRenderer().render(response.data) or b"null")
            IdempotencyKey.objects.filter(pk=claimed.pk).update(
                status=IdempotencyKey.Status.COMPLETED,
                response_status=response.status_code,
                response_body=body,
                completed_at=timezone.now(),
            )
        else:
            IdempotencyKey.objects.filter(pk=claimed.pk).delete()
        return response

    return wrapper


def prune_idempotency_keys() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.TICKETING["IDEMPOTENCY_TTL_HOURS"])
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
