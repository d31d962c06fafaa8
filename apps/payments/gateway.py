"""Every call to the payment gateway goes through `call`: a timeout (the provider's own, from
PAYMENT_GATEWAY_TIMEOUT), retries with exponential backoff and full jitter for a call that
failed without an answer (every call carries an idempotency key or names one intent, so a repeat
cannot charge twice), a per-process circuit breaker, and metrics.

The breaker: after PAYMENT_BREAKER_FAILURES calls in a row without an answer, calls fail at once
(BreakerOpen) for PAYMENT_BREAKER_SECONDS, so buyers get a quick 503 instead of waiting for
timeouts; then one trial call is let through, and an answer closes it again."""

import logging
import random
import threading
import time

from django.conf import settings

from apps.common import metrics

from .providers.base import GatewayUnavailable

logger = logging.getLogger(__name__)


class BreakerOpen(GatewayUnavailable):
    """Not called: the gateway failed too often just now. Nothing was sent."""


class CircuitBreaker:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._failures = 0
            self._open_until = 0.0
            self._trial_running = False
        metrics.PAYMENT_BREAKER_OPEN.set(0)

    @property
    def is_open(self) -> bool:
        return self._open_until > time.monotonic()

    def allow(self) -> bool:
        with self._lock:
            if self._failures < _knob("BREAKER_FAILURES"):
                return True
            if time.monotonic() < self._open_until or self._trial_running:
                return False
            self._trial_running = True  # half open: one call finds out whether it is back
            return True

    def succeeded(self):
        with self._lock:
            was_open = self._failures >= _knob("BREAKER_FAILURES")
            self._failures, self._open_until, self._trial_running = 0, 0.0, False
        if was_open:
            logger.warning("payment gateway breaker closed: the gateway answers again")
        metrics.PAYMENT_BREAKER_OPEN.set(0)

    def failed(self):
        with self._lock:
            self._failures += 1
            self._trial_running = False
            opened = self._failures >= _knob("BREAKER_FAILURES")
            if opened:
                self._open_until = time.monotonic() + _knob("BREAKER_SECONDS")
        if opened:
            logger.error("payment gateway breaker open for %ss", _knob("BREAKER_SECONDS"))
            metrics.PAYMENT_BREAKER_OPEN.set(1)


breaker = CircuitBreaker()


def _knob(name: str):
    return settings.TICKETING["PAYMENT_" + name]


def backoff_seconds(attempt: int) -> float:
    """Full jitter: a random wait up to base * 2^attempt (capped), so that many processes
    retrying at once do not hit a recovering gateway in step."""
    ceiling = min(_knob("RETRY_MAX_SECONDS"), _knob("RETRY_BASE_SECONDS") * 2**attempt)
    return random.uniform(0, ceiling)


def call(operation: str, fn, /, **kwargs):
    """Runs fn(**kwargs) against the gateway. Raises GatewayUnavailable (BreakerOpen when it was
    not even tried) when no answer came after the retries; GatewayRefused passes through."""
    attempts = 1 + _knob("RETRIES")
    for attempt in range(attempts):
        if not breaker.allow():
            metrics.PAYMENT_GATEWAY_LATENCY.labels(operation, "breaker_open").observe(0)
            raise BreakerOpen("the payment gateway is failing; not called for a while")
        started = time.monotonic()
        try:
            result = fn(**kwargs)
        except GatewayUnavailable as exc:
            elapsed = time.monotonic() - started
            metrics.PAYMENT_GATEWAY_LATENCY.labels(operation, "error").observe(elapsed)
            metrics.PAYMENT_GATEWAY_ERRORS.labels(operation).inc()
            breaker.failed()
            logger.warning(
                "payment gateway %s failed (attempt %s of %s): %s",
                operation,
                attempt + 1,
                attempts,
                exc,
            )
            if attempt + 1 == attempts:
                raise
            time.sleep(backoff_seconds(attempt))
            continue
        except Exception:
            # An answer, if a refusal: the gateway is up.
            breaker.succeeded()
            elapsed = time.monotonic() - started
            metrics.PAYMENT_GATEWAY_LATENCY.labels(operation, "refused").observe(elapsed)
            raise
        breaker.succeeded()
        metrics.PAYMENT_GATEWAY_LATENCY.labels(operation, "ok").observe(time.monotonic() - started)
        return result
    raise AssertionError("unreachable")
