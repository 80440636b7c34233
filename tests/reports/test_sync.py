"""Offline batches: every good item stored once, every bad one rejected alone with its reasons."""

from sqlalchemy import select

from app.extensions import db
from app.reports.models import Report
from tests.helpers.concurrency import parallel
from tests.helpers.geometry import INSIDE_S2
from tests.helpers.reports import REPORTS, report_body

SYNC = f"{REPORTS}/sync"


def offline(n: int, **overrides) -> dict:
    return report_body(
        client_uuid=f"phone-1-{n}", occurred_at=f"2024-05-01T0{n % 10}:15:00+08:00", **overrides
    )


def stored_reports() -> list[Report]:
    db.session.expire_all()
    return list(db.session.scalars(select(Report).order_by(Report.id)))


def test_mixed_batch_keeps_the_good_and_explains_the_bad(client, worker_headers):
    batch = [
        offline(1),
        offline(2, description="   "),
        "not a report",
        offline(3, location={"lon": 200, "lat": 28.7}),
        offline(4, location={"lon": INSIDE_S2[0], "lat": INSIDE_S2[1]}),
        report_body(description="忘了编号"),
        offline(5, category_code="no_such_kind"),
    ]
    response = client.post(SYNC, json={"reports": batch}, headers=worker_headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["created"], body["existed"], body["rejected"]) == (2, 0, 5)
    results = body["results"]
    assert [r["result"] for r in results] == [
        "created", "rejected", "rejected", "rejected", "created", "rejected", "rejected",
    ]  # fmt: skip
    assert [r["index"] for r in results] == list(range(7))
    assert "description" in results[1]["errors"]
    assert "_schema" in results[2]["errors"]
    assert "lon" in results[3]["errors"]["location"]
    assert set(results[5]["errors"]) == {"client_uuid", "occurred_at"}
    assert "category_code" in results[6]["errors"]
    reports = stored_reports()
    assert [(r.client_uuid, r.area_code) for r in reports] == [
        ("phone-1-1", "G1"),
        ("phone-1-4", "S2"),
    ]
    assert reports[1].subdistrict_code == "S2"
    assert [r["id"] for r in results if r["result"] == "created"] == [r.id for r in reports]
    assert reports[0].occurred_at.isoformat() == "2024-04-30T17:15:00+00:00"


def test_a_retried_batch_creates_nothing_new(client, worker_headers):
    batch = {"reports": [offline(n) for n in range(3)]}
    first = client.post(SYNC, json=batch, headers=worker_headers).json
    again = client.post(SYNC, json=batch, headers=worker_headers).json
    assert (again["created"], again["existed"]) == (0, 3)
    for before, after in zip(first["results"], again["results"], strict=True):
        assert after["result"] == "existed"
        assert (after["id"], after["tracking_no"], after["tracking_key"]) == (
            before["id"], before["tracking_no"], before["tracking_key"],
        )  # fmt: skip
    assert len(stored_reports()) == 3


def test_a_synced_report_retried_alone_is_the_same_report(client, worker_headers):
    item = offline(1)
    synced = client.post(SYNC, json={"reports": [item]}, headers=worker_headers).json
    alone = client.post(REPORTS, json=item, headers=worker_headers)
    assert alone.status_code == 201 and alone.headers["Idempotent-Replayed"] == "true"
    assert alone.json["id"] == synced["results"][0]["id"]
    assert len(stored_reports()) == 1


def test_a_changed_item_under_an_old_client_uuid_is_rejected(client, worker_headers):
    client.post(SYNC, json={"reports": [offline(1)]}, headers=worker_headers)
    changed = offline(1, description="换了描述")
    result = client.post(SYNC, json={"reports": [changed]}, headers=worker_headers).json
    assert result["results"][0]["result"] == "rejected"
    assert "client_uuid" in result["results"][0]["errors"]
    assert len(stored_reports()) == 1


def test_the_same_item_twice_in_one_batch_is_stored_once(client, worker_headers):
    result = client.post(SYNC, json={"reports": [offline(1), offline(1)]}, headers=worker_headers)
    assert [r["result"] for r in result.json["results"]] == ["created", "existed"]
    assert len(stored_reports()) == 1


def test_more_than_100_is_refused_with_a_clear_message(client, worker_headers):
    response = client.post(
        SYNC, json={"reports": [offline(n) for n in range(101)]}, headers=worker_headers
    )
    assert response.status_code == 422
    assert "at most 100" in response.json["errors"]["json"]["reports"][0]
    assert "at most 100" in response.json["message"]
    assert stored_reports() == []
    assert client.post(SYNC, json={"reports": []}, headers=worker_headers).status_code == 422


def test_exactly_100_is_fine(client, worker_headers):
    response = client.post(
        SYNC, json={"reports": [offline(n) for n in range(100)]}, headers=worker_headers
    )
    assert response.status_code == 200 and response.json["created"] == 100


def test_the_same_batch_twice_at_once_stores_each_item_once(app, worker_headers):
    batch = {"reports": [offline(n) for n in range(5)]}
    answers = parallel(app, [lambda c: c.post(SYNC, json=batch, headers=worker_headers)] * 3)
    assert [a.status_code for a in answers] == [200] * 3
    assert sum(a.json["created"] for a in answers) == 5
    assert sum(a.json["existed"] for a in answers) == 10
    ids = {tuple(r["id"] for r in a.json["results"]) for a in answers}
    assert len(ids) == 1 and len(stored_reports()) == 5
