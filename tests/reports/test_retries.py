"""Retries from weak networks: a keyed write files one report and answers the same every time."""

import importlib.util
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.core.idempotency import IdempotencyRecord
from app.extensions import db
from app.reports.models import Report
from tests.helpers.concurrency import parallel
from tests.helpers.reports import REPORTS, report_body
from tests.helpers.retries import kept_retries


def count_reports() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Report.id)))


def test_retry_with_idempotency_key_returns_the_first_answer(client, worker_headers):
    headers = {**worker_headers, "Idempotency-Key": str(uuid.uuid4())}
    first = client.post(REPORTS, json=report_body(), headers=headers)
    again = client.post(REPORTS, json=report_body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_reports() == 1


def test_retry_with_client_uuid_alone_files_once(client, worker_headers):
    body = report_body(client_uuid=str(uuid.uuid4()))
    first = client.post(REPORTS, json=body, headers=worker_headers)
    # Key order differs on the retry; the request is still the same.
    again = client.post(REPORTS, json=dict(reversed(body.items())), headers=worker_headers)
    assert again.status_code == 201 and again.json == first.json
    assert count_reports() == 1


def test_same_key_with_another_body_is_409_naming_the_key(client, worker_headers):
    headers = {**worker_headers, "Idempotency-Key": "key-1"}
    assert client.post(REPORTS, json=report_body(), headers=headers).status_code == 201
    other = client.post(REPORTS, json=report_body(description="另一件事"), headers=headers)
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json["errors"]["headers"]
    body = report_body(client_uuid="phone-7")
    assert client.post(REPORTS, json=body, headers=worker_headers).status_code == 201
    changed = client.post(REPORTS, json={**body, "description": "改了"}, headers=worker_headers)
    assert changed.status_code == 409 and "client_uuid" in changed.json["errors"]["json"]
    assert count_reports() == 2


def test_keys_belong_to_their_user(client, worker_headers, make_user, auth):
    other_worker = auth(make_user("grid_worker", ["G1"]))
    for headers in (worker_headers, other_worker):
        response = client.post(
            REPORTS, json=report_body(), headers={**headers, "Idempotency-Key": "k"}
        )
        assert response.status_code == 201
    assert count_reports() == 2


def test_client_uuid_used_under_another_key_is_409_naming_the_report(client, worker_headers):
    body = report_body(client_uuid="phone-8")
    first = client.post(REPORTS, json=body, headers={**worker_headers, "Idempotency-Key": "a"})
    second = client.post(REPORTS, json=body, headers={**worker_headers, "Idempotency-Key": "b"})
    assert second.status_code == 409
    assert str(first.json["id"]) in second.json["errors"]["json"]["client_uuid"][0]
    assert count_reports() == 1


@pytest.mark.parametrize("keyed_by", ["header", "client_uuid"])
def test_five_identical_requests_at_once_file_one_report(app, worker, worker_headers, keyed_by):
    key = str(uuid.uuid4())
    if keyed_by == "header":
        body, headers = report_body(), {**worker_headers, "Idempotency-Key": key}
    else:
        body, headers = report_body(client_uuid=key), worker_headers

    responses = parallel(app, [lambda c: c.post(REPORTS, json=body, headers=headers)] * 5)

    assert [r.status_code for r in responses] == [201] * 5
    assert len({r.get_data() for r in responses}) == 1  # the very same answer, byte for byte
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 4
    assert count_reports() == 1
    # One record of the retry: a row for the header's key, the report itself for its client_uuid.
    [(resource, report_id, status, _)] = kept_retries(f"user:{worker.id}", key)
    assert (resource, status) == ("report", 201)
    assert report_id == db.session.scalar(select(Report.id))
    expected_rows = 1 if keyed_by == "header" else 0
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == expected_rows


def test_a_retry_is_answered_even_when_the_rules_changed_since(client, worker_headers):
    """Nothing is looked up before a keyed write: a retry that would now fail a check (its
    category retired meanwhile) is still recognised by its key and gets the first answer."""
    from app.categories.service import retire_category

    body = report_body(client_uuid=str(uuid.uuid4()), category_code="neighbour.noise")
    first = client.post(REPORTS, json=body, headers=worker_headers)
    assert first.status_code == 201, first.json
    retire_category("neighbour.noise")
    db.session.commit()
    again = client.post(REPORTS, json=body, headers=worker_headers)
    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    new = client.post(REPORTS, json={**body, "client_uuid": "fresh-1"}, headers=worker_headers)
    assert new.status_code == 422 and "category_code" in new.json["errors"]["json"]
    assert count_reports() == 1


def test_a_report_filed_before_0025_is_still_replayed_from_its_record(
    client, worker, worker_headers
):
    """Migration 0025 copies a record's fingerprint onto its report; a report left without one
    (or filed with a header key) is still answered from the record row."""
    key = str(uuid.uuid4())
    body = report_body(client_uuid=key)
    first = client.post(REPORTS, json=body, headers=worker_headers)
    db.session.rollback()
    report = db.session.scalars(select(Report)).one()
    kept_print = report.request_fingerprint
    # As it was stored before 0025: a record row, nothing on the report.
    db.session.execute(text("UPDATE reports SET request_fingerprint = NULL"))
    db.session.add(
        IdempotencyRecord(
            scope=f"user:{worker.id}", key=key, fingerprint=kept_print, status=201,
            resource="report", resource_id=report.id,
        )
    )  # fmt: skip
    db.session.commit()
    again = client.post(REPORTS, json=body, headers=worker_headers)
    assert again.status_code == 201 and again.json == first.json
    assert (
        client.post(
            REPORTS, json={**body, "description": "改了"}, headers=worker_headers
        ).status_code
        == 409
    )

    path = Path(__file__).parents[2] / "migrations/versions/0025_intake_rows.py"
    spec = importlib.util.spec_from_file_location("m0025", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(text(migration.COPY_FINGERPRINTS))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(select(Report.request_fingerprint)).one() == kept_print
    assert count_reports() == 1
