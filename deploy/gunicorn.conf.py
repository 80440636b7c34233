"""gunicorn settings for Jiefen behind nginx (deploy/nginx/jiefen.conf).

Run: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (deploy/systemd/jiefen-web.service).

Why these choices:
* Sync workers. The app is synchronous all the way down (SQLAlchemy over psycopg, Pillow
  re-encoding photos, argon2 hashing): a request is CPU or a database round trip, never a
  long wait that an async worker could overlap. The one long wait a sync worker cannot afford,
  a slow client, never reaches it: nginx reads the whole request body before it opens the
  upstream connection and takes the whole response at once (proxy_request_buffering and
  proxy_buffering on), so a worker is busy only for the app's own work.
* 2 × cores + 1 workers. A request spends about half its time waiting on PostgreSQL
  (bench/RESULTS.md, cpu_split), so two workers per core keep the cores busy; the one extra
  covers a worker stuck in a slow query. Each worker holds a pool of up to 20 connections
  (app/core/database.py): keep workers × servers × 20 under PostgreSQL's max_connections.
  SQLite (the embedded default) serialises writers; there 2-3 workers is plenty.
* No preload: each worker builds its own app and engine after the fork, so no database
  socket is shared between processes.
* Workers are recycled after about 2,000 requests (jittered so they do not all restart at
  once): Pillow and the XLSX writer leave fragmented heaps behind.
Every value can be overridden from the environment (GUNICORN_*), read here at start-up.
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# A worker busy this long on one request is killed and replaced: a 100,000-row XLSX ledger
# takes tens of seconds (README, "The ledger"), nothing else comes close.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# nginx keeps upstream connections open (keepalive in the upstream block); a little longer here
# than there, so that nginx always closes first and never sends on a connection being closed.
keepalive = 75
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
preload_app = False
# The app writes one JSON line per request itself (app/core/request_log.py).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only nginx (on this host) may set the forwarded headers gunicorn itself reads; the app
# reads X-Forwarded-For through TRUSTED_PROXY_COUNT (set it to 1 behind this nginx).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "jiefen-web"

# Prometheus counters live in each worker; prometheus_client's multiprocess mode adds them up
# on /metrics (app/metrics.py). The directory must be set before the app imports the client
# and emptied at every start, so it is chosen here, in the master.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="jiefen-metrics-"
)
# Set in the master, so every worker inherits it.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    # A dead worker's live gauges must not count any more (its counters still do).
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
