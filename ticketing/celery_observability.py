"""What a Celery worker tells operators: its log lines carry the task id where a web request's
carry the request id, and its Prometheus metrics (holds expired by the sweep, refunds retried,
...) are served on a port of their own.

The worker is a separate process tree from gunicorn, often on another machine, so it is its own
scrape target: set CELERY_METRICS_PORT and it serves /metrics there (on CELERY_METRICS_ADDR,
127.0.0.1 unless told otherwise). With the prefork pool, tasks run in child processes: set
PROMETHEUS_MULTIPROC_DIR (its own directory, not gunicorn's) and their numbers are added up."""

import glob
import os

from celery.signals import (
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_shutdown,
    worker_ready,
)

from apps.common.logging import request_id_var

_task_tokens: dict = {}


@task_prerun.connect
def _log_with_task_id(task_id=None, **kwargs):
    _task_tokens[task_id] = request_id_var.set(f"task-{task_id}")


@task_postrun.connect
def _log_without_task_id(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)


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
