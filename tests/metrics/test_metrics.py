"""/metrics: request rates and latencies by endpoint, and the operators' gauges from the database."""

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from app.extensions import db
from app.reports.models import Report
from app.webhooks.models import WebhookSubscription

TOKEN = "scrape-me"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def scrape(app, client):
    app.config["METRICS_TOKEN"] = TOKEN

    def read() -> dict[tuple[str, tuple], float]:
        db.session.remove()  # what other requests committed, as a new scrape sees it
        response = client.get("/metrics", headers=SCRAPE)
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples
        }

    return read


def test_off_without_a_token_and_closed_to_a_wrong_one(app, client):
    assert client.get("/metrics").status_code == 404
    app.config["METRICS_TOKEN"] = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 404
    assert client.get("/metrics", headers=SCRAPE).status_code == 200


def test_requests_are_counted_by_endpoint(client, scrape):
    for _ in range(3):
        assert client.get("/api/v1/categories").status_code == 200
    assert client.get("/api/v1/reports").status_code == 401
    samples = scrape()
    count = "jiefen_http_request_duration_seconds_count"
    assert (
        samples[
            (
                count,
                (("endpoint", "categories.list_categories"), ("method", "GET"), ("status", "200")),
            )
        ]
        == 3
    )
    assert (
        samples[
            (count, (("endpoint", "reports.list_reports"), ("method", "GET"), ("status", "401")))
        ]
        == 1
    )
    assert not [key for key in samples if ("endpoint", "metrics") in key[1]]


def test_queue_overdue_presort_and_outbox(app, client, code, scrape):
    # Stored as it is: the receiver is never called here, only the deliveries are counted.
    db.session.add(
        WebhookSubscription(
            url="https://hooks.example.cn/jiefen", events=["report.created"], secret="s"
        )
    )
    db.session.commit()
    app.config["PRESORT_AT_INTAKE"] = False  # the pre-sorter would run beside intake
    for text in ("楼道里堆满杂物", "小区门口有人聚集吵闹", "路灯坏了好几天"):
        filed = client.post("/api/v1/public/reports", json={"site_code": code, "description": text})
        assert filed.status_code == 201
    samples = scrape()
    assert samples[("jiefen_database_up", ())] == 1
    assert samples[("jiefen_queue_reports", (("subdistrict", "S1"),))] == 3
    assert samples[("jiefen_overdue_reports", (("card", "red"),))] == 0
    assert samples[("jiefen_presort_waiting_reports", ())] == 3
    assert samples[("jiefen_presort_lag_seconds", ())] >= 0
    assert samples[("jiefen_webhook_deliveries", (("status", "pending"),))] == 3
    assert samples[("jiefen_webhook_deliveries", (("status", "failed"),))] == 0
    assert samples[("jiefen_webhook_retrying_deliveries", ())] == 0

    runner = app.test_cli_runner()
    assert runner.invoke(args=["triage", "presort"]).exit_code == 0
    # One case went to a unit and is late.
    first = db.session.scalar(select(func.min(Report.id)))
    db.session.execute(
        update(Report).where(Report.id == first).values(status="dispatched", card="red")
    )
    db.session.commit()
    samples = scrape()
    assert samples[("jiefen_presort_waiting_reports", ())] == 0
    assert samples[("jiefen_presort_lag_seconds", ())] == 0
    assert samples[("jiefen_queue_reports", (("subdistrict", "S1"),))] == 2
    assert samples[("jiefen_overdue_reports", (("card", "red"),))] == 1
    assert samples[("jiefen_overdue_reports", (("card", "yellow"),))] == 0
