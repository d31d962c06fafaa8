"""gunicorn settings: `gunicorn -c gunicorn.conf.py ticketing.wsgi` (what `make stack`, the
Procfile and docker-compose run). Every knob comes from the environment; the defaults suit a
machine with 2 cores.

Prometheus: each worker process writes its metrics to files in PROMETHEUS_MULTIPROC_DIR and
/metrics adds them up, so the numbers are the whole server's, not one worker's. The directory
is emptied when gunicorn starts (counters from a previous run would otherwise be added in) and
a worker that exits is marked dead (its gauges stop counting; its counters stay in the sums).

Tracing (OTEL_EXPORTER_OTLP_ENDPOINT) is set up by ticketing/wsgi.py, which each worker imports
after the fork (preload_app off): the post-fork set-up OpenTelemetry's span exporter needs, with
Django's settings already chosen, which a post_fork hook here would run before."""

import glob
import os
import re
import tempfile

_cores = os.cpu_count() or 2

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Requests mostly wait on PostgreSQL and Redis: 2 processes per core, 4 threads each. Each
# thread may keep a database connection open (DB_CONN_MAX_AGE): size PostgreSQL for
# workers x threads x instances, plus the Celery workers.
workers = int(os.environ.get("GUNICORN_WORKERS", os.environ.get("WEB_CONCURRENCY", 2 * _cores)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycling workers now and then bounds the damage of a slow leak; the jitter keeps them from
# all restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
# The load balancer's address(es), whose X-Forwarded-* headers are trusted.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's own 414 is an HTML page: it reads request lines up to its maximum, and the shop
# answers those over 4 KB itself, in the API's JSON error shape (ApiRequestLimitsMiddleware).
limit_request_line = 8190
errorlog = "-"
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in {"1", "true"} else None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "ticketing-web"


def _prometheus_dir(server) -> str:
    """PROMETHEUS_MULTIPROC_DIR, or one per listening address: two servers on one machine (say
    two instances behind a balancer) must not share, nor empty, each other's files."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        address = re.sub(r"[^A-Za-z0-9.]+", "_", str(server.cfg.bind[0])).strip("_")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(
            tempfile.gettempdir(), f"ticketing-prometheus-web-{address}"
        )
    return os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    # Runs in the master before any worker is forked (and so before any worker imports
    # prometheus_client, which picks its multiprocess mode from this variable at import; keep
    # preload_app off, or the app would be imported before this).
    directory = _prometheus_dir(server)
    os.makedirs(directory, exist_ok=True)
    for stale in glob.glob(os.path.join(directory, "*.db")):
        os.remove(stale)
    server.log.info("prometheus multiprocess directory: %s", directory)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _prometheus_dir(server))
