"""The webhook subscription API (admin only): create, list, look at deliveries, delete."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.webhooks.delivery import Settings, deliver_due
from app.webhooks.models import WebhookDelivery
from tests.helpers.cases import T0, add_case
from tests.helpers.geometry import INSIDE_G1

URL = "/api/v1/webhooks"


def test_create_shows_the_secret_once(client, areas, admin_headers, receiver):
    created = client.post(
        URL,
        json={"url": receiver.url, "events": ["report.resolved", "report.created"]},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert len(body["secret"]) == 64 and body["status"] == "active"
    assert body["events"] == ["report.created", "report.resolved"]
    listed = client.get(URL, headers=admin_headers).json["items"]
    assert [w["id"] for w in listed] == [body["id"]] and "secret" not in listed[0]
    one = client.get(f"{URL}/{body['id']}", headers=admin_headers).json
    assert "secret" not in one and one["pending_deliveries"] == 0


def test_deliveries_are_listed_and_deleting_drops_the_waiting_ones(
    client, areas, admin_headers, receiver
):
    sub = client.post(
        URL,
        json={"url": receiver.url, "events": ["report.created"], "secret": "x" * 32},
        headers=admin_headers,
    ).json
    add_case(INSIDE_G1, T0)
    deliver_due(Settings())
    add_case(INSIDE_G1, T0)
    page = client.get(f"{URL}/{sub['id']}/deliveries", headers=admin_headers).json
    assert [d["status"] for d in page["items"]] == ["pending", "delivered"]
    assert page["items"][1]["event"] == "report.created"
    assert page["items"][1]["delivery_id"] == receiver.delivery_ids[0]
    pending = client.get(
        f"{URL}/{sub['id']}/deliveries", query_string={"status": "pending"}, headers=admin_headers
    ).json["items"]
    assert len(pending) == 1
    assert client.get(f"{URL}/{sub['id']}", headers=admin_headers).json["pending_deliveries"] == 1
    assert client.delete(f"{URL}/{sub['id']}", headers=admin_headers).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert client.get(f"{URL}/{sub['id']}", headers=admin_headers).status_code == 404
    assert client.delete(f"{URL}/{sub['id']}", headers=admin_headers).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["report.created"]}, "url"),
        ({"url": "http:///no-host", "events": ["report.created"]}, "url"),
        ({"url": "https://example.com/x", "events": []}, "events"),
        ({"url": "https://example.com/x", "events": ["report.exploded"]}, "events"),
        (
            {"url": "https://example.com/x", "events": ["report.created"], "secret": "short"},
            "secret",
        ),
        ({"events": ["report.created"]}, "url"),
        ({"url": "http://[::1/x", "events": ["report.created"]}, "url"),
        ({"url": "http://example.com:99999/", "events": ["report.created"]}, "url"),
        ({"url": "http://exa mple.com/", "events": ["report.created"]}, "url"),
        (
            {"url": "https://example.com/x", "events": ["report.created"], "secret": "a b" * 8},
            "secret",
        ),
        (
            {"url": "https://x.cn", "events": ["report.created"], "description": "a\x00b"},
            "description",
        ),
    ],
)
def test_bad_subscriptions_name_the_field(client, areas, admin_headers, payload, field):
    response = client.post(URL, json=payload, headers=admin_headers)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_admin_only(client, areas, make_user, auth):
    supervisor = auth(make_user("supervisor", ["D"]))
    assert client.get(URL, headers=supervisor).status_code == 403
    assert client.post(URL, json={}, headers=supervisor).status_code == 403
    assert client.get(URL).status_code == 401
