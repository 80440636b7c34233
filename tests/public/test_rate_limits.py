"""Public endpoints answer 429 with Retry-After, per client address and per site code."""

import pytest

from tests.helpers.forms import with_csrf
from tests.helpers.public import counts

URL = "/api/v1/public/reports"


@pytest.fixture
def low_limits(app):
    # The limits are read from the config on every request, so a test can lower them.
    app.config.update(
        RATE_LIMIT_REPORTS_PER_ADDRESS="2 per minute",
        RATE_LIMIT_REPORTS_PER_CODE="3 per hour",
        RATE_LIMIT_PAGES_PER_ADDRESS="2 per minute",
        RATE_LIMIT_TRACKING_WRITES_PER_ADDRESS="1 per minute",
    )


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_reports_per_address_then_429_with_retry_after(client, code, low_limits):
    body = {"site_code": code, "description": "有事"}
    statuses = [client.post(URL, json=body).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    refused = client.post(URL, json=body)
    assert refused.status_code == 429 and refused.json["code"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert counts() == (2, 0)
    # Another address still gets through, and the form post shares the same budget.
    assert client.post(URL, json=body, **from_address("10.0.0.9")).status_code == 201
    page = client.post(f"/s/{code}", data=with_csrf(client, {"description": "有事"}))
    assert page.status_code == 429 and "请稍等" in page.get_data(as_text=True)
    assert "Retry-After" in page.headers


def test_reports_per_code_across_addresses(client, code, other_site, low_limits):
    from app.qr_sites.service import site_code

    body = {"site_code": code, "description": "有事"}
    statuses = [
        client.post(URL, json=body, **from_address(f"10.0.1.{i}")).status_code for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    # Lower-case spelling of the same code is the same code.
    lower = client.post(URL, json={**body, "site_code": code.lower()}, **from_address("10.0.1.9"))
    assert lower.status_code == 429
    other = {"site_code": site_code(other_site), "description": "有事"}
    assert client.post(URL, json=other, **from_address("10.0.1.10")).status_code == 201
    # A report with a position and no code is not held back by any code's limit.
    position = {"description": "有事", "lon": 105.32, "lat": 28.72}
    assert client.post(URL, json=position, **from_address("10.0.1.11")).status_code == 201


def test_pages_and_tracking_per_address(client, code, low_limits):
    assert [client.get(f"/s/{code}").status_code for _ in range(3)] == [200, 200, 429]
    filed = client.post(URL, json={"site_code": code, "description": "有事"}).json
    track = f"/api/v1/track/{filed['tracking_no']}?key={filed['tracking_key']}"
    assert client.get(track).status_code == 429
    feedback = f"/api/v1/track/{filed['tracking_no']}/feedback"
    rating = {"key": filed["tracking_key"], "satisfaction": "satisfied"}
    assert [client.post(feedback, json=rating).status_code for _ in range(2)] == [409, 429]


def test_one_request_counts_once(client, code, app):
    app.config["RATE_LIMIT_REPORTS_PER_ADDRESS"] = "1 per minute"
    assert client.post(URL, json={"site_code": code, "description": "有事"}).status_code == 201
    assert client.post(URL, json={"site_code": code, "description": "有事"}).status_code == 429


def test_behind_a_proxy_each_client_has_its_own_budget(database_url, code):
    from app import create_app
    from app.extensions import db
    from tests.conftest import base_config

    db.session.close()  # SQLite: leave the write lock to the second app
    proxied = create_app(
        {
            **base_config(database_url),
            "TRUSTED_PROXY_COUNT": 1,
            "RATE_LIMIT_REPORTS_PER_ADDRESS": "1 per minute",
        }
    )
    client = proxied.test_client()

    def post(address: str) -> int:
        body = {"site_code": code, "description": "有事"}
        return client.post(URL, json=body, headers={"X-Forwarded-For": address}).status_code

    assert [post("1.1.1.1"), post("1.1.1.1"), post("2.2.2.2")] == [201, 429, 201]
    with proxied.app_context():
        db.engine.dispose()
