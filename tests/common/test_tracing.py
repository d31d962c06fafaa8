"""Traces (ticketing/tracing.py): a hold request is one trace with its SQL statements and
Redis calls as child spans; a booking's trace goes on in the Celery task it enqueues, through a
real worker and broker; log lines name the trace. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.

The spans go to the SDK's in-memory exporter: the instrumentations are installed for one test
and removed after it (the tracer provider is passed to them, not set globally)."""

import os
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connections
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_trace_id
from rest_framework.test import APIClient

from apps.payments.models import WebhookEvent
from tests.common.test_logging import console_handler
from tests.factories import UserFactory, on_sale_event
from tests.processes import run_python
from ticketing import tracing

# Real commits: the worker thread reads the booking from its own connection, and the sandbox
# enqueues its webhook only when the booking's transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

CARD = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
TASK = "apps.payments.tasks.deliver_sandbox_webhook"


@pytest.fixture
def spans():
    """The instrumentations on, their spans kept in memory. psycopg is traced per connection
    (the instrumentation wraps psycopg.connect), so connections are reopened on both sides."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    connections.close_all()
    tracing.instrument(provider)
    yield exporter
    tracing.uninstrument()
    connections.close_all()
    provider.shutdown()


def broker_url() -> str:
    """TRACING_TEST_BROKER_URL, else the cache's Redis with another database number: not the
    cache's (cache.clear() between tests) nor the stack test's broker (+12)."""
    if os.environ.get("TRACING_TEST_BROKER_URL"):
        return os.environ["TRACING_TEST_BROKER_URL"]
    cache = urlsplit(settings.CACHES["default"]["LOCATION"])
    db = int((cache.path or "/0").strip("/") or 0)
    return urlunsplit(cache._replace(path=f"/{(db + 13) % 16}"))


@pytest.fixture
def celery_worker():
    """A real Celery worker (Celery's own test worker, solo pool, in a thread of this process)
    consuming from a Redis broker. It serves an app of its own, made current for the test: the
    shop's tasks are shared tasks, so `.delay()` publishes through it, not eagerly, and the
    shop's app (eager in the tests, its producer pool on the suite's broker) is left alone."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    from ticketing.celery import app as shop_app

    app = Celery("ticketing-tracing-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker_url(), task_always_eager=False)
    app.set_current()
    try:
        app.control.purge()  # nothing left over from an interrupted run
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        shop_app.set_current()
        shop_app.set_default()
        app.close()


def by_kind(finished, kind):
    return [span for span in finished if span.kind == kind]


def ancestors(span, by_id):
    """The span ids above `span` in its trace, nearest first."""
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        chain.append(span.parent.span_id)
        span = by_id[span.parent.span_id]
    return chain


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    return predicate()


def test_one_hold_is_one_trace_with_its_sql_and_redis_calls(spans):
    event = on_sale_event(rows=1, seats_per_row=4)
    seats = list(event.event_seats.order_by("id").values_list("id", flat=True)[:2])
    client = APIClient()
    client.force_authenticate(UserFactory())
    spans.clear()  # the set-up's own statements

    handler, stream = console_handler("json")
    import json
    import logging

    root = logging.getLogger()
    root.addHandler(handler)
    try:
        response = client.post(
            "/api/v1/holds",
            {"event": event.id, "seats": seats},
            format="json",
            HTTP_X_REQUEST_ID="req-traced-hold",
        )
    finally:
        root.removeHandler(handler)
    assert response.status_code == 201, response.content

    finished = spans.get_finished_spans()
    servers = by_kind(finished, SpanKind.SERVER)
    assert len(servers) == 1, [span.name for span in finished]
    server = servers[0]
    assert server.name == "POST api/v1/holds"
    assert server.attributes["http.status_code"] == 201
    # The whole request is this one trace, every span under the server span.
    by_id = {span.context.span_id: span for span in finished}
    assert {span.context.trace_id for span in finished} == {server.context.trace_id}
    for span in finished:
        if span is not server:
            assert server.context.span_id in ancestors(span, by_id), span.name

    statements = [
        span.attributes.get("db.statement", "")
        for span in finished
        if span.attributes.get("db.system") == "postgresql"
    ]
    assert any("INSERT INTO inventory_hold" in sql for sql in statements), statements
    redis_calls = [span.name for span in finished if span.attributes.get("db.system") == "redis"]
    # The seat locks are Lua scripts run with EVALSHA.
    assert "EVALSHA" in redis_calls, redis_calls

    # The log line of the decision names the trace next to the request id.
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line]
    created = [line for line in lines if line["message"].startswith("hold created")]
    assert len(created) == 1, lines
    assert created[0]["request_id"] == "req-traced-hold"
    assert created[0]["trace_id"] == format_trace_id(server.context.trace_id)
    assert len(created[0]["span_id"]) == 16


def test_a_booking_trace_goes_on_in_the_webhook_task_it_enqueues(spans, celery_worker):
    event = on_sale_event(rows=1, seats_per_row=4)
    client = APIClient()
    client.force_authenticate(UserFactory())
    hold = client.post("/api/v1/holds", {"event": event.id, "quantity": 1}, format="json")
    assert hold.status_code == 201, hold.content
    spans.clear()

    booking = client.post(
        "/api/v1/bookings", {"hold": hold.json()["id"], "payment": CARD}, format="json"
    )
    assert booking.status_code == 201, booking.content

    def consumer_span():
        return next(
            (
                span
                for span in spans.get_finished_spans()
                if span.kind == SpanKind.CONSUMER and span.name == f"run/{TASK}"
            ),
            None,
        )

    task = wait_for(consumer_span)
    assert task is not None, [span.name for span in spans.get_finished_spans()]
    assert wait_for(lambda: WebhookEvent.objects.filter(outcome="applied").exists())

    finished = spans.get_finished_spans()
    server = next(
        span for span in by_kind(finished, SpanKind.SERVER) if span.name == "POST api/v1/bookings"
    )
    publish = next(span for span in by_kind(finished, SpanKind.PRODUCER) if TASK in span.name)
    # Published from within the booking request, and the worker's span is its child: one trace
    # from the buyer's POST to the webhook the task delivered.
    assert publish.context.trace_id == server.context.trace_id
    by_id = {span.context.span_id: span for span in finished}
    assert server.context.span_id in ancestors(publish, by_id)
    assert task.context.trace_id == server.context.trace_id
    assert task.parent.span_id == publish.context.span_id
    # The task's own SQL is in that trace too, under the task's span.
    task_sql = [
        span
        for span in finished
        if span.attributes.get("db.system") == "postgresql"
        and task.context.span_id in ancestors(span, by_id)
    ]
    assert task_sql


OFF_OR_ON = """
import psycopg, redis
from django.conf import settings
import ticketing.wsgi, ticketing.celery
from opentelemetry import trace
print("middleware", any("opentelemetry" in m for m in settings.MIDDLEWARE))
print("psycopg", hasattr(psycopg.connect, "__wrapped__"))
print("redis", hasattr(redis.Redis.execute_command, "__wrapped__"))
print("service", getattr(trace.get_tracer_provider(), "resource", None)
      and trace.get_tracer_provider().resource.attributes["service.name"])
"""


@pytest.mark.django_db(transaction=False)
def test_tracing_is_off_without_an_endpoint_and_on_with_one():
    environment = {"DJANGO_SETTINGS_MODULE": "ticketing.settings.test"}
    drop = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME")
    off = run_python(OFF_OR_ON, env=environment, drop=drop)
    assert off.returncode == 0, off.stderr
    assert off.stdout.split("\n")[:4] == [
        "middleware False",
        "psycopg False",
        "redis False",
        "service None",
    ]
    # An endpoint where nothing listens: spans are queued and dropped, nothing fails.
    on = run_python(
        OFF_OR_ON,
        env=environment
        | {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_SERVICE_NAME": "shop-a"},
        drop=drop,
    )
    assert on.returncode == 0, on.stderr
    assert on.stdout.split("\n")[:4] == [
        "middleware True",
        "psycopg True",
        "redis True",
        "service shop-a",
    ]


@pytest.mark.django_db(transaction=False)
def test_a_prefork_worker_is_traced_in_its_children_and_other_pools_in_the_worker():
    from celery.concurrency.prefork import TaskPool
    from celery.concurrency.solo import TaskPool as SoloPool

    # worker_init sees the pool as given: a name from the settings, a class from the CLI.
    assert tracing.is_prefork("prefork") and tracing.is_prefork(TaskPool)
    assert not tracing.is_prefork("solo") and not tracing.is_prefork(SoloPool)
    assert not tracing.is_prefork("threads")
