"""/metrics in Prometheus' text format: request rates and latencies by endpoint (requests.py),
and the database gauges (gauges.py).

Off unless METRICS_TOKEN is set; Prometheus then sends `Authorization: Bearer <token>`, and
nginx (deploy/nginx/jiefen.conf) answers /metrics only to internal addresses as well. Under
gunicorn each worker counts its own requests; with PROMETHEUS_MULTIPROC_DIR set (the gunicorn
configuration sets it) a scrape adds up all the workers'.
"""

import hmac
import os

from flask import Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from app.metrics.gauges import DatabaseGauges
from app.metrics.requests import RequestMetrics


def _authorised() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    sent = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


def install(app: Flask) -> None:
    multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    # A registry per app: the request metrics of one app (a test's, a worker's) are its own.
    registry = CollectorRegistry(auto_describe=True)
    RequestMetrics(registry).install(app)

    @app.get("/metrics")
    def metrics():
        if not _authorised():
            # The same answer with no token configured or a wrong one: nothing to find here.
            abort(404)
        if multiprocess_dir:
            scrape = CollectorRegistry()
            MultiProcessCollector(scrape, path=multiprocess_dir)
        else:
            scrape = CollectorRegistry()
            scrape.register(_Forward(registry))
        scrape.register(DatabaseGauges())
        return Response(generate_latest(scrape), mimetype=CONTENT_TYPE_LATEST)


class _Forward:
    """Another registry's metrics inside the scrape's registry."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()
