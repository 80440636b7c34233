"""Webhook delivery against a real local HTTP receiver: signatures, retries, no duplicates."""

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.clock import frozen_at
from app.extensions import db
from app.reports.events import record_event
from app.reports.intake import NewReport, create_report
from app.webhooks.delivery import Answer, Settings, claim_next, deliver_due, record
from app.webhooks.fan_out import fan_out
from app.webhooks.models import WEBHOOK_EVENTS, OutboxEvent, WebhookDelivery
from app.webhooks.service import create_subscription
from app.webhooks.signing import verify
from tests.helpers.cases import T0, add_case
from tests.helpers.geometry import INSIDE_G1

SECRET = "s3cret-shared-with-the-hotline"
SETTINGS = Settings(timeout=5, max_attempts=4, retry_base=30, retry_max=3600, failing_after=3)


def subscribe(url: str, events=WEBHOOK_EVENTS, secret: str = SECRET):
    subscription = create_subscription(url, list(events), secret)
    db.session.commit()
    return subscription


def deliveries() -> list[WebhookDelivery]:
    """Every delivery, once the deliverer has made those of the events still waiting."""
    fan_out()
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_new_case_is_delivered_signed(areas, receiver):
    subscribe(receiver.url)
    with frozen_at(T0):
        report = add_case(INSIDE_G1, T0, phone="13812345678", category="neighbour.noise")
    assert deliver_due(SETTINGS) == Counter(delivered=1)
    [got] = receiver.requests
    assert got.headers["X-Jiefen-Event"] == "report.created"
    assert got.headers["Content-Type"].startswith("application/json")
    delivery_id = got.headers["X-Jiefen-Delivery"]
    assert str(uuid.UUID(delivery_id)) == delivery_id
    assert got.headers["X-Jiefen-Signature"].startswith("sha256=")
    assert verify(SECRET, got.body, got.headers["X-Jiefen-Signature"])
    assert not verify(SECRET, got.body + b" ", got.headers["X-Jiefen-Signature"])
    assert not verify("another-secret-entirely", got.body, got.headers["X-Jiefen-Signature"])
    body = got.json
    assert (body["event"], body["delivery_id"]) == ("report.created", delivery_id)
    assert body["occurred_at"] == "2026-03-02T09:00:00+08:00"
    assert body["report"]["tracking_no"] == report.tracking_no
    assert body["report"]["category_code"] == "neighbour.noise"
    assert "reporter_phone" not in body["report"] and "13812345678" not in got.body.decode()
    assert body["change"]["action"] == "created" and body["change"]["to_status"] == "received"
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    assert deliver_due(SETTINGS) == Counter() and len(receiver.requests) == 1


def test_an_event_in_a_rolled_back_transaction_is_never_sent(areas, receiver):
    subscribe(receiver.url)
    create_report(NewReport("这一条会回滚", "walk_in", *INSIDE_G1))
    db.session.flush()
    db.session.rollback()
    assert deliver_due(SETTINGS) == Counter() and receiver.requests == []
    assert db.session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    # A later, committed change does not bring it back.
    kept = add_case(INSIDE_G1, T0, description="这一条会提交")
    deliver_due(SETTINGS)
    assert [r.json["report"]["id"] for r in receiver.requests] == [kept.id]


def test_retries_with_backoff_after_500s_then_stops(areas, receiver):
    subscribe(receiver.url)
    receiver.script = [500, 500]
    with frozen_at(T0) as clock:
        add_case(INSIDE_G1, T0)
        assert deliver_due(SETTINGS) == Counter(retry=1)
        clock.advance(timedelta(seconds=29))
        assert deliver_due(SETTINGS) == Counter()  # not due before the 30 s wait
        clock.advance(timedelta(seconds=1))
        assert deliver_due(SETTINGS) == Counter(retry=1)
        clock.advance(timedelta(seconds=59))
        assert deliver_due(SETTINGS) == Counter()  # the wait doubled to 60 s
        clock.advance(timedelta(seconds=1))
        assert deliver_due(SETTINGS) == Counter(delivered=1)
        clock.advance(timedelta(days=1))
        assert deliver_due(SETTINGS) == Counter()
    assert len(set(receiver.delivery_ids)) == 1 and len(receiver.requests) == 3
    assert len({r.body for r in receiver.requests}) == 1  # the same signed body every time
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)


def test_gives_up_after_the_last_attempt(areas, receiver):
    subscribe(receiver.url)
    receiver.script = [500] * 10
    settings = Settings(max_attempts=3, retry_base=30, failing_after=100)
    with frozen_at(T0) as clock:
        add_case(INSIDE_G1, T0)
        outcomes = Counter()
        for _ in range(5):
            outcomes += deliver_due(settings)
            clock.advance(timedelta(hours=1))
    assert outcomes == Counter(retry=2, failed=1) and len(receiver.requests) == 3
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 3, 500)


def test_a_failing_receiver_is_paused_and_probed(areas, receiver):
    subscription = subscribe(receiver.url)
    receiver.script = [500, 500, 500, 500]
    with frozen_at(T0) as clock:
        add_case(INSIDE_G1, T0)
        add_case(INSIDE_G1, T0)
        add_case(INSIDE_G1, T0)
        # Three failures in a row: the subscription is marked failing and paused 30 s.
        assert deliver_due(SETTINGS) == Counter(retry=3)
        db.session.refresh(subscription)
        assert (subscription.status, subscription.consecutive_failures) == ("failing", 3)
        assert subscription.paused_until == T0 + timedelta(seconds=30)
        # After the pause one delivery probes; it fails, so the others wait (pause 60 s).
        clock.advance(timedelta(seconds=30))
        assert deliver_due(SETTINGS) == Counter(retry=1)
        db.session.refresh(subscription)
        assert subscription.paused_until == T0 + timedelta(seconds=90)
        clock.advance(timedelta(seconds=59))
        assert deliver_due(SETTINGS) == Counter()
        # The receiver is back: the probe succeeds and everything waiting flows.
        clock.advance(timedelta(seconds=1))
        assert deliver_due(SETTINGS) == Counter(delivered=3)
        db.session.refresh(subscription)
        assert (subscription.status, subscription.consecutive_failures) == ("active", 0)
        assert subscription.last_error == "delivery failed (HTTP 500)"
    assert len(receiver.requests) == 7 and len(set(receiver.delivery_ids)) == 3


def test_two_deliverers_never_send_the_same_delivery(app, areas, receiver):
    subscribe(receiver.url)
    for i in range(24):
        add_case(INSIDE_G1, T0 + timedelta(minutes=i))
    results: list[Counter] = []

    def deliverer():
        with app.app_context():
            results.append(deliver_due(SETTINGS))

    threads = [threading.Thread(target=deliverer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results, Counter()) == Counter(delivered=24)
    assert sorted(receiver.delivery_ids) == sorted(d.delivery_id for d in deliveries())
    assert len(set(receiver.delivery_ids)) == 24


def test_a_lease_keeps_other_deliverers_off_until_it_runs_out(areas, receiver):
    subscribe(receiver.url)
    with frozen_at(T0) as clock:
        add_case(INSIDE_G1, T0)
        first = claim_next(SETTINGS)
        assert first is not None and claim_next(SETTINGS) is None
        # The first deliverer died mid-send: after the lease another one takes the delivery,
        # with the same delivery id so the receiver can drop a repeat.
        clock.advance(SETTINGS.lease)
        second = claim_next(SETTINGS)
        assert second is not None and second.delivery_id == first.delivery_id
        assert record(first, Answer(200, None), SETTINGS) == "lost"
        assert deliveries()[0].status == "pending"
        assert record(second, Answer(204, None), SETTINGS) == "delivered"
    assert deliveries()[0].status == "delivered"


def test_timeline_actions_map_to_webhook_events(areas, receiver, make_user):
    subscribe(receiver.url)
    subscribe(receiver.url, ["report.resolved"])
    report = add_case(INSIDE_G1, T0)
    for action in (
        "dispatch", "progress", "card_changed", "escalate", "resolve", "supervise",
        "close_without_follow_up", "close",
    ):  # fmt: skip
        record_event(report, action)
    # Fields set after the event, in the same transaction, are in the payload: it is
    # taken at commit.
    report.card = "yellow"
    db.session.commit()
    events = db.session.execute(
        select(OutboxEvent.event, OutboxEvent.payload).order_by(OutboxEvent.id)
    ).all()
    assert [e for e, _ in events] == [
        "report.created", "report.dispatched", "report.card_changed", "report.escalated",
        "report.resolved", "report.closed", "report.closed",
    ]  # fmt: skip
    assert all(p["report"]["card"] == "yellow" for e, p in events[1:])
    per_subscription = Counter(d.subscription_id for d in deliveries())
    assert sorted(per_subscription.values()) == [1, 7]


def test_no_subscriber_no_outbox(areas):
    add_case(INSIDE_G1, T0)
    assert db.session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_unreachable_receiver_is_a_retry_not_a_crash(areas):
    subscribe("http://127.0.0.1:9/nothing-listens-here")
    add_case(INSIDE_G1, T0)
    assert deliver_due(SETTINGS) == Counter(retry=1)
    [row] = deliveries()
    assert row.last_status_code is None and row.last_error


def test_cli_delivers_once(app, areas, receiver):
    subscribe(receiver.url)
    add_case(INSIDE_G1, T0)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "deliver", "--once"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output and len(receiver.requests) == 1
    assert "delivered: 1" in runner.invoke(args=["outbox", "status"]).output
    purged = runner.invoke(args=["outbox", "purge", "--days", "0"])
    assert "deleted 1 deliveries and 1 events" in purged.output


@pytest.mark.parametrize("status", [301, 400, 404])
def test_redirects_and_client_errors_are_failures(areas, receiver, status):
    subscribe(receiver.url)
    receiver.script = [status]
    add_case(INSIDE_G1, T0)
    assert deliver_due(SETTINGS) == Counter(retry=1)
    assert deliveries()[0].last_status_code == status


def test_deliveries_are_made_by_the_deliverer_for_the_subscriptions_of_the_moment(areas, receiver):
    """The filing writes one outbox row naming its receivers; the deliverer makes their
    deliveries. A subscription added after the event never gets it; one removed before the
    fan-out is skipped."""
    kept = subscribe(receiver.url)
    dropped = subscribe(receiver.url + "/gone")
    report = add_case(INSIDE_G1, T0)
    [outbox] = db.session.scalars(select(OutboxEvent)).all()
    assert sorted(outbox.receivers) == sorted([kept.id, dropped.id])
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    later = subscribe(receiver.url + "/later")
    db.session.delete(dropped)
    db.session.commit()
    assert deliver_due(SETTINGS) == Counter(delivered=1)
    assert [r.json["report"]["id"] for r in receiver.requests] == [report.id]
    assert [(d.subscription_id, d.outbox_event_id) for d in deliveries()] == [(kept.id, outbox.id)]
    assert later.id not in {d.subscription_id for d in deliveries()}
    # Fanned out once: a second deliverer's round makes nothing more.
    assert fan_out() == 0 and deliver_due(SETTINGS) == Counter()
