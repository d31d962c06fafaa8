"""Traces from the real processes: gunicorn (2 workers) and a prefork Celery worker, started as
`make stack` starts them with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver in
this test. What arrives is what a collector would get: the web workers set tracing up after
their fork (ticketing/wsgi.py), the worker's pool child on worker_process_init."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import UserFactory, on_sale_event
from tests.stack.test_stack import BIN, Stack, free_port

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

TASK = "apps.payments.tasks.deliver_sandbox_webhook"
CARD = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


def attribute(span: Span, key: str) -> str:
    return next((a.value.string_value for a in span.attributes if a.key == key), "")


class Receiver:
    """An OTLP/HTTP trace endpoint (POST /v1/traces, protobuf) that keeps what it is sent."""

    def __init__(self):
        self.spans: list[tuple[str, Span]] = []  # (service.name, span)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                export = ExportTraceServiceRequest.FromString(body)
                with receiver.lock:
                    for resource_spans in export.resource_spans:
                        service = next(
                            attribute.value.string_value
                            for attribute in resource_spans.resource.attributes
                            if attribute.key == "service.name"
                        )
                        for scope_spans in resource_spans.scope_spans:
                            receiver.spans += [(service, span) for span in scope_spans.spans]
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()
                self.wfile.write(ExportTraceServiceResponse().SerializeToString())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def find(self, predicate, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [(service, span) for service, span in self.spans if predicate(span)]
            if found:
                return found
            time.sleep(0.1)
        return []


@pytest.fixture
def traced_stack(django_db_setup, tmp_path):
    receiver = Receiver()
    running = Stack(tmp_path)
    # Short batches, so the test does not wait the default 5 s for each process's export.
    running.env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    try:
        running.start(
            "web",
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "ticketing.wsgi"],
            GUNICORN_BIND=f"127.0.0.1:{running.web_port}",
            GUNICORN_WORKERS="2",
            GUNICORN_THREADS="2",
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus-web"),
            OTEL_SERVICE_NAME="ticketing-web",
        )
        (tmp_path / "prometheus-worker").mkdir()
        running.start(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "ticketing",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                f"trace-test-{running.web_port}@%h",
            ],
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus-worker"),
            CELERY_METRICS_PORT=str(running.worker_metrics_port),
            OTEL_SERVICE_NAME="ticketing-worker",
        )
        running.wait_until_up()
        yield running, receiver
    finally:
        running.stop()
        receiver.server.shutdown()


def test_a_booking_is_one_trace_from_the_web_worker_into_the_celery_worker(traced_stack):
    stack, receiver = traced_stack
    user = UserFactory()
    event = on_sale_event(rows=1, seats_per_row=4)
    api = httpx.Client(base_url=f"{stack.url}/api/v1", timeout=10)
    # A token made here (the stack's settings do not know the tests' fast password hasher).
    api.headers["Authorization"] = f"Bearer {AccessToken.for_user(user)}"
    hold = api.post("/holds", json={"event": event.id, "quantity": 2})
    assert hold.status_code == 201, hold.text
    booking = api.post("/bookings", json={"hold": hold.json()["id"], "payment": CARD})
    assert booking.status_code == 201, booking.text

    tasks = receiver.find(lambda span: span.name == f"run/{TASK}")
    assert tasks, f"no task span arrived\n{stack.tails()}"
    [(service, task)] = tasks
    assert service == "ticketing-worker" and task.kind == Span.SPAN_KIND_CONSUMER

    # Each process exports on its own schedule: wait for the web side's spans too.
    assert receiver.find(lambda span: span.name == "POST api/v1/bookings"), stack.tails()
    with receiver.lock:
        spans = list(receiver.spans)
    servers = {
        span.name: (service, span) for service, span in spans if span.kind == Span.SPAN_KIND_SERVER
    }
    hold_service, hold_span = servers["POST api/v1/holds"]
    booking_service, booking_span = servers["POST api/v1/bookings"]
    assert hold_service == booking_service == "ticketing-web"

    # The hold's trace: its SQL statements and Redis calls, sent by the web process.
    in_hold = [span for _, span in spans if span.trace_id == hold_span.trace_id]
    children = [span for span in in_hold if span.parent_span_id == hold_span.span_id]
    systems = {attribute(span, "db.system") for span in children}
    assert systems == {"postgresql", "redis"}, [span.name for span in children]
    statements = [attribute(span, "db.statement") for span in children]
    assert any("INSERT INTO inventory_hold" in sql for sql in statements), statements

    # The booking's trace goes on in the worker: the task's span is the child of the
    # request's publish span.
    [publish] = [
        span
        for _, span in spans
        if span.kind == Span.SPAN_KIND_PRODUCER and span.name == f"apply_async/{TASK}"
    ]
    assert publish.trace_id == booking_span.trace_id == task.trace_id
    assert task.parent_span_id == publish.span_id
    worker_sql = [
        span
        for service, span in spans
        if service == "ticketing-worker" and span.parent_span_id == task.span_id
    ]
    assert worker_sql, "the task's SQL statements are not under its span"
