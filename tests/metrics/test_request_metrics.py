"""The request series are the ones prometheus-flask-exporter's defaults exported: the same
names, help, labels, buckets and counts for the same requests."""

from flask import Flask, abort
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_flask_exporter import PrometheusMetrics

from app.metrics.requests import RequestMetrics


def counted_app(count) -> tuple[Flask, CollectorRegistry]:
    app = Flask(__name__)
    registry = CollectorRegistry(auto_describe=True)
    count(app, registry)

    @app.get("/ok")
    def ok():
        return "ok"

    @app.post("/refused")
    def refused():
        abort(422)

    @app.get("/broken")
    def broken():
        raise RuntimeError("a bug")

    @app.get("/metrics")
    def scrape():
        return "not counted"

    return app, registry


def by_exporter(app, registry):
    PrometheusMetrics(
        app,
        path=None,
        registry=registry,
        group_by="endpoint",
        defaults_prefix="jiefen",
        excluded_paths=["^/metrics$"],
    )


def ours(app, registry):
    RequestMetrics(registry).install(app)


def families(count) -> dict:
    app, registry = counted_app(count)
    client = app.test_client()
    for _ in range(3):
        client.get("/ok")
    client.post("/refused")
    client.get("/missing")
    client.get("/metrics")
    assert client.get("/broken").status_code == 500
    found = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        if family.name == "jiefen_exporter_info":
            continue  # the exporter's own version, no request's
        for sample in family.samples:
            if sample.name.endswith(("_created", "_sum")):
                continue  # when and how long, not what was counted
            labels = tuple(sorted(sample.labels.items()))
            found[(family.name, family.documentation, family.type, sample.name, labels)] = (
                sample.value
            )
    return found


def test_the_same_series_with_the_same_counts_as_the_exporter():
    expected, counted = families(by_exporter), families(ours)
    assert counted == expected
    ok = (("endpoint", "ok"), ("method", "GET"), ("status", "200"))
    assert (
        counted[
            (
                "jiefen_http_request_duration_seconds",
                "Flask HTTP request duration in seconds",
                "histogram",
                "jiefen_http_request_duration_seconds_count",
                ok,
            )
        ]
        == 3
    )
    failed = (("method", "GET"), ("status", "500"))
    assert [
        v for k, v in counted.items() if k[0] == "jiefen_http_request_exceptions" and k[4] == failed
    ] == [1]
    assert not [k for k in counted if ("endpoint", "scrape") in k[4]]
