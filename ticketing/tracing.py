"""End-to-end traces with OpenTelemetry: a request (Django) with its SQL statements (psycopg)
and Redis calls as child spans, continued into the Celery tasks it enqueues (the context rides
in the task's headers), exported over OTLP/HTTP.

On only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads it, and the other standard
OTEL_EXPORTER_OTLP_* variables, itself); the service is OTEL_SERVICE_NAME, "ticketing" unless
told otherwise. Off, nothing of OpenTelemetry is imported and nothing is wrapped: the hold
path runs exactly as without this module.

Where it is set up: ticketing/wsgi.py and asgi.py (each gunicorn worker imports the app after
the fork, preload_app being off), Celery's worker_process_init (each prefork child, after the
fork, as the SDK's BatchSpanProcessor wants it: its export thread does not survive a fork) or
worker_init for pools that do not fork, and beat_init."""

import os
import threading

_lock = threading.Lock()
_configured = False


def tracing_enabled() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def configure_tracing() -> bool:
    """Sets tracing up for this process when it is on; once per process. Returns whether it
    is on. Call it before Django builds its middleware chain (get_wsgi_application)."""
    global _configured
    if not tracing_enabled():
        return False
    with _lock:
        if _configured:
            return True
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        service = os.environ.get("OTEL_SERVICE_NAME") or "ticketing"
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
        # Batched: spans are queued and exported by a thread of their own, so a slow or dead
        # collector costs a request nothing (a full queue drops spans rather than wait).
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        instrument(provider)
        _configured = True
    return True


def instrument(tracer_provider) -> None:
    """Wraps Django, psycopg, Redis and Celery so their spans go to `tracer_provider`, and puts
    the recording span's ids on log lines. The tests call it with an in-memory exporter."""
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    from apps.common import logging as shop_logging

    DjangoInstrumentor().instrument(tracer_provider=tracer_provider)
    # Django's backend opens connections with psycopg.connect, which this wraps; each new
    # connection's cursors then trace their statements.
    PsycopgInstrumentor().instrument(tracer_provider=tracer_provider)
    RedisInstrumentor().instrument(tracer_provider=tracer_provider)
    CeleryInstrumentor().instrument(tracer_provider=tracer_provider)
    shop_logging.span_ids = span_ids


def uninstrument() -> None:
    """Undoes instrument() (the tests, so that one test's tracing does not leak into others)."""
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    from apps.common import logging as shop_logging

    shop_logging.span_ids = None
    for instrumentor in (
        CeleryInstrumentor,
        RedisInstrumentor,
        PsycopgInstrumentor,
        DjangoInstrumentor,
    ):
        instrumentor().uninstrument()


def span_ids() -> tuple[str, str] | None:
    """The recording span's trace and span ids in hex, as a trace backend shows them."""
    from opentelemetry import trace

    span = trace.get_current_span()
    if not span.is_recording():
        return None
    context = span.get_span_context()
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)


def trace_celery_processes() -> None:
    """Connects the Celery signals that set tracing up in worker and beat processes."""
    from celery.signals import beat_init, worker_init, worker_process_init

    worker_process_init.connect(_in_pool_child, weak=False)
    worker_init.connect(_in_worker, weak=False)
    beat_init.connect(_in_pool_child, weak=False)


def _in_pool_child(**kwargs) -> None:
    configure_tracing()


def _in_worker(sender=None, **kwargs) -> None:
    """A worker whose pool does not fork (solo, threads) runs tasks in this process; a prefork
    worker's tasks run in its children, which worker_process_init sets up after their fork."""
    if not is_prefork(getattr(sender, "pool_cls", None)):
        configure_tracing()


def is_prefork(pool) -> bool:
    """Whether a worker's pool forks its children: at worker_init, pool_cls is still what the
    worker was given, a name ("prefork", "solo") or a class (the command line's)."""
    from celery.concurrency import get_implementation
    from celery.concurrency.prefork import TaskPool as PreforkPool

    if pool is None:
        return False
    pool = get_implementation(pool)
    return isinstance(pool, type) and issubclass(pool, PreforkPool)
