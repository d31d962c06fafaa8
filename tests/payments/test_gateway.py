"""apps.payments.gateway on its own: the backoff stays within its ceiling, the breaker lets
one trial call through once its time is up, and the metrics count what happened."""

import time

import pytest
from prometheus_client import REGISTRY

from apps.payments import gateway
from apps.payments.providers.base import GatewayRefused, GatewayUnavailable


@pytest.fixture
def knobs(settings):
    settings.TICKETING = {
        **settings.TICKETING,
        "PAYMENT_RETRIES": 2,
        "PAYMENT_RETRY_BASE_SECONDS": 0.01,
        "PAYMENT_RETRY_MAX_SECONDS": 0.02,
        "PAYMENT_BREAKER_FAILURES": 3,
        "PAYMENT_BREAKER_SECONDS": 0.2,
    }


def errors(operation):
    return (
        REGISTRY.get_sample_value(
            "ticketing_payment_gateway_errors_total", {"operation": operation}
        )
        or 0
    )


def test_backoff_is_random_and_capped(knobs):
    waits = [gateway.backoff_seconds(attempt) for attempt in range(8) for _ in range(20)]
    assert all(0 <= w <= 0.02 for w in waits)
    assert len(set(waits)) > 100, "jittered"


def test_a_call_without_answer_is_retried_then_given_up(knobs):
    tries = []

    def flaky(**kwargs):
        tries.append(kwargs)
        if len(tries) < 3:
            raise GatewayUnavailable("timeout")
        return "answer"

    before = errors("probe")
    assert gateway.call("probe", flaky, key="k") == "answer"
    assert tries == [{"key": "k"}] * 3, "the same call, the same key, each time"
    assert errors("probe") == before + 2


def test_a_refusal_is_not_retried_and_counts_as_an_answer(knobs):
    tries = []

    def refuse(**kwargs):
        tries.append(1)
        raise GatewayRefused("no such payment method")

    with pytest.raises(GatewayRefused):
        gateway.call("probe", refuse)
    assert tries == [1]
    assert not gateway.breaker.is_open


def test_the_breaker_opens_fails_fast_and_lets_one_trial_through(knobs):
    def down(**kwargs):
        raise GatewayUnavailable("connection refused")

    with pytest.raises(GatewayUnavailable):
        gateway.call("probe", down)  # three tries: the breaker opens
    assert gateway.breaker.is_open
    assert REGISTRY.get_sample_value("ticketing_payment_breaker_open") == 1
    called = []
    with pytest.raises(gateway.BreakerOpen):
        gateway.call("probe", lambda: called.append(1))
    assert called == [], "not called while open"

    time.sleep(0.25)
    assert gateway.breaker.allow(), "one trial once the time is up"
    assert not gateway.breaker.allow(), "and only one"
    gateway.breaker.succeeded()
    assert gateway.call("probe", lambda: "back") == "back"
    assert REGISTRY.get_sample_value("ticketing_payment_breaker_open") == 0
