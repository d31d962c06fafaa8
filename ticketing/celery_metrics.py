"""Prometheus metrics of a Celery worker (holds expired by the sweep, refunds retried, ...).

The worker is a separate process tree from gunicorn, often on another machine, so it is its own
scrape target: set CELERY_METRICS_PORT and it serves /metrics there (on CELERY_METRICS_ADDR,
127.0.0.1 unless told otherwise). With the prefork pool, tasks run in child processes: set
PROMETHEUS_MULTIPROC_DIR (its own directory, not gunicorn's) and their numbers are added up."""

import glob
import os

from celery.signals import worker_init, worker_process_shutdown, worker_ready


def _directory() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


@worker_init.connect
def _start_clean(**kwargs):
    """Before the pool forks: counters left by a previous run of this worker would be added in."""
    directory = _directory()
    if directory:
        os.makedirs(directory, exist_ok=True)
        for stale in glob.glob(os.path.join(directory, "*.db")):
            os.remove(stale)


@worker_ready.connect
def _serve_metrics(**kwargs):
    port = os.environ.get("CELERY_METRICS_PORT")
    if not port:
        return
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server

    registry = REGISTRY
    if _directory():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(
        int(port), addr=os.environ.get("CELERY_METRICS_ADDR", "127.0.0.1"), registry=registry
    )


@worker_process_shutdown.connect
def _mark_dead(pid=None, **kwargs):
    directory = _directory()
    if directory:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid(), directory)
