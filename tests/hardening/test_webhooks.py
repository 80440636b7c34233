"""Webhooks cannot be pointed at the machines beside the service, nor report what they say."""

import socket
from collections import Counter

import pytest
from sqlalchemy import select

from app.extensions import db
from app.webhooks import destinations
from app.webhooks.delivery import Settings, deliver_due
from app.webhooks.models import WEBHOOK_EVENTS, WebhookDelivery
from app.webhooks.service import create_subscription
from tests.cases import T0, add_case
from tests.geometry import INSIDE_G1

INTERNAL = [
    "http://127.0.0.1:5432/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0x7f000001/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://10.0.0.8/hook",
    "http://192.168.1.1/",
    "http://172.16.5.5/",
    "http://100.100.100.200/",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://localhost:6379/",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_destinations_are_refused_at_registration(client, admin_headers, url):
    response = client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["report.created"]}, headers=admin_headers
    )
    assert response.status_code == 422 and "url" in response.json["errors"]["json"]


def test_an_allow_list_admits_a_named_network(app, client, admin_headers):
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "10.0.0.0/24"
    ok = client.post(
        "/api/v1/webhooks",
        json={"url": "http://10.0.0.8/hook", "events": ["report.created"]},
        headers=admin_headers,
    )
    assert ok.status_code == 201
    refused = client.post(
        "/api/v1/webhooks",
        json={"url": "http://10.0.1.8/hook", "events": ["report.created"]},
        headers=admin_headers,
    )
    assert refused.status_code == 422


def test_delivery_checks_again_when_the_name_now_points_inside(app, areas, monkeypatch):
    """Registered while public; DNS then points the name at loopback (rebinding)."""
    answers = {"hooks.example.com": "93.184.216.34"}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(destinations.socket, "getaddrinfo", fake)
    create_subscription("http://hooks.example.com:5432/x", list(WEBHOOK_EVENTS), "s" * 32)
    db.session.commit()
    answers["hooks.example.com"] = "127.0.0.1"
    add_case(INSIDE_G1, T0)
    db.session.commit()
    assert deliver_due(Settings(timeout=2)) == Counter(retry=1)
    row = db.session.scalars(select(WebhookDelivery)).one()
    assert row.last_error == "refused: the address is not allowed for webhooks"


def test_last_error_does_not_tell_what_answered(app, areas):
    """An allowed but closed port: the answer says only that it could not connect."""
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.0/8"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    create_subscription(f"http://127.0.0.1:{port}/", list(WEBHOOK_EVENTS), "s" * 32)
    db.session.commit()
    add_case(INSIDE_G1, T0)
    db.session.commit()
    deliver_due(Settings(timeout=2))
    row = db.session.scalars(select(WebhookDelivery)).one()
    assert row.last_error == "could not connect"
