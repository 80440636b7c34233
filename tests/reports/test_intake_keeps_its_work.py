"""Issue 19: intake got leaner (Core INSERTs, fewer indexes), not lighter. Every report filed,
through every way in, still gets its created event, its outbox row (and, from the deliverer, its deliveries), its
suggestions and the record that makes its retry safe."""

import uuid

import pytest
from sqlalchemy import func, select

from app.core.idempotency import PUBLIC, IdempotencyRecord, user_scope
from app.extensions import db
from app.reports.models import Report, ReportEvent
from app.triage.models import ReportSuggestion
from app.webhooks.fan_out import fan_out
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from tests.helpers.reports import report_body
from tests.helpers.retries import kept_retries
from tests.helpers.sites import code, make_site, site  # noqa: F401 (fixtures)

REPORTS = "/api/v1/reports"
PUBLIC_REPORTS = "/api/v1/public/reports"


@pytest.fixture
def followers(app):
    """Two receivers of report.created and one that follows something else."""
    subscriptions = [
        WebhookSubscription(url=f"https://hooks.example.com/{name}", events=events, secret="s" * 32)
        for name, events in (
            ("a", ["report.created"]),
            ("b", ["report.created", "report.closed"]),
            ("c", ["report.closed"]),
        )
    ]
    db.session.add_all(subscriptions)
    db.session.commit()
    return [s.id for s in subscriptions[:2]]


def test_every_report_filed_keeps_its_event_outbox_suggestions_and_retry_record(
    client,
    worker,
    worker_headers,
    code,  # noqa: F811 (the fixture imported above)
    followers,
):
    filed: dict[int, tuple[str, str]] = {}  # report id → (scope, key) of its retry record
    outboxes: dict[int, int] = {}  # outbox row → report id

    for n in range(3):  # a grid worker, keyed by client_uuid
        key = str(uuid.uuid4())
        body = report_body(client_uuid=key, description=f"{n}号楼门口井盖缺失，有人摔伤")
        answer = client.post(REPORTS, json=body, headers=worker_headers)
        assert answer.status_code == 201, answer.json
        filed[answer.json["id"]] = (user_scope(worker.id), key)
    key = str(uuid.uuid4())  # keyed by the Idempotency-Key header
    answer = client.post(
        REPORTS, json=report_body(), headers={**worker_headers, "Idempotency-Key": key}
    )
    assert answer.status_code == 201
    filed[answer.json["id"]] = (user_scope(worker.id), key)
    key = str(uuid.uuid4())  # the offline sync
    offline = report_body(client_uuid=key, description="离线：路灯不亮")
    offline["occurred_at"] = "2026-03-02T09:00:00+08:00"
    answer = client.post(
        f"{REPORTS}/sync",
        json={"reports": [offline]},
        headers=worker_headers,
    )
    assert answer.json["created"] == 1
    filed[answer.json["results"][0]["id"]] = (user_scope(worker.id), key)
    for n in range(2):  # residents at a QR poster
        key = f"resident-{uuid.uuid4().hex}"
        body = {"site_code": code, "description": f"楼下烧烤油烟很大（{n}）", "client_uuid": key}
        answer = client.post(PUBLIC_REPORTS, json=body)
        assert answer.status_code == 201, answer.json
        report_id = db.session.scalar(
            select(Report.id).where(Report.tracking_no == answer.json["tracking_no"])
        )
        filed[report_id] = (PUBLIC, key)

    db.session.rollback()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Report.id))) == len(filed) == 7
    for report_id, (scope, key) in filed.items():
        events = db.session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report_id)
        ).all()
        assert [(e.action, e.to_status, e.public) for e in events] == [
            ("created", "received", True)
        ]
        [outbox] = db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.report_id == report_id)
        ).all()
        assert (outbox.event, outbox.report_event_id) == ("report.created", events[0].id)
        assert outbox.payload["report"]["id"] == report_id
        # One row per event at intake: its receivers named, their deliveries made later.
        assert sorted(outbox.receivers) == sorted(followers)
        assert outbox.fanned_out_at is None
        outboxes[outbox.id] = report_id
        suggestion = db.session.get(ReportSuggestion, report_id)
        assert suggestion is not None and suggestion.computed_at is not None
        assert suggestion.suggested_risk and suggestion.reading is not None
        # Its retry record: a row for an Idempotency-Key, the report itself for a client_uuid.
        [(resource, kept_id, status, kept_print)] = kept_retries(scope, key)
        assert (resource, kept_id, status) == ("report", report_id, 201)
        assert len(kept_print) == 64
        # What the request left in memory is what was stored: nothing was left unflushed.
        stored = db.session.get(Report, report_id)
        assert (stored.status, stored.version, stored.card) == ("received", 1, "none")
    # Fewer rows per filing: only the Idempotency-Key header's filing has a record row.
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 1
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 0
    # The deliverer makes one delivery per receiver of every event.
    assert fan_out() == len(filed)
    made = db.session.execute(
        select(WebhookDelivery.outbox_event_id, WebhookDelivery.subscription_id)
    ).all()
    assert sorted(made) == sorted((o, s) for o in outboxes for s in followers)


def test_a_retry_still_files_once_and_a_failed_write_leaves_nothing(
    client, worker_headers, followers
):
    key = str(uuid.uuid4())
    body = report_body(client_uuid=key)
    first = client.post(REPORTS, json=body, headers=worker_headers)
    again = client.post(REPORTS, json=body, headers=worker_headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    # The same client_uuid with another text: refused, and nothing of it is stored.
    other = client.post(
        REPORTS, json={**body, "description": "另一件事：路灯坏了"}, headers=worker_headers
    )
    assert other.status_code == 409
    db.session.rollback()
    for model in (Report, ReportEvent, OutboxEvent, ReportSuggestion):
        key_column = ReportSuggestion.report_id if model is ReportSuggestion else model.id
        assert db.session.scalar(select(func.count(key_column))) == 1, model.__name__
    assert fan_out() == 1
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 2
