"""Whom an event is written for is kept per process under the subscriptions' change version:
a subscription added, removed or following other events gets (or stops getting) the next
event at once, in the same transaction and from another connection; a delivery's bookkeeping
on a subscription does not throw the copy away (issue 19)."""

from sqlalchemy import insert, select

from app.core import versions
from app.core.version_sql import SUBSCRIPTIONS
from app.extensions import db
from app.reports.intake import NewReport, create_report
from app.webhooks.models import OutboxEvent, WebhookSubscription
from tests.helpers.geometry import INSIDE_G1


def subscription(name: str, events: list[str]) -> WebhookSubscription:
    added = WebhookSubscription(
        url=f"https://hooks.example.com/{name}", events=events, secret="s" * 32
    )
    db.session.add(added)
    db.session.flush()
    return added


def file_one() -> list[int]:
    """File a report and commit; the receivers its created event's outbox row names."""
    report = create_report(NewReport("路灯不亮", "qr_scan", *INSIDE_G1)).report
    db.session.commit()
    rows = db.session.scalars(select(OutboxEvent).where(OutboxEvent.report_id == report.id))
    return sorted(r for row in rows for r in row.receivers)


def test_a_subscription_added_or_changed_in_the_same_transaction_is_named(app, areas):
    first = subscription("a", ["report.created"])
    assert file_one() == [first.id]  # the process keeps the followers now
    second = subscription("b", ["report.created", "report.closed"])
    assert file_one() == sorted([first.id, second.id])
    first.events = ["report.closed"]
    db.session.flush()
    assert file_one() == [second.id]
    db.session.delete(second)
    db.session.flush()
    assert file_one() == []


def test_a_deliverys_bookkeeping_keeps_the_followers_version(app, areas):
    follower = subscription("a", ["report.created"])
    db.session.commit()
    before = versions.current(SUBSCRIPTIONS, db.session.connection())
    follower.consecutive_failures, follower.status, follower.last_error = 3, "failing", "503"
    db.session.commit()
    assert versions.current(SUBSCRIPTIONS, db.session.connection()) == before
    follower.events = ["report.created", "report.closed"]
    db.session.commit()
    assert versions.current(SUBSCRIPTIONS, db.session.connection()) != before


def test_a_subscription_another_connection_commits_is_named(app, areas):
    assert file_one() == []
    db.session.rollback()  # SQLite: this session's reading transaction holds the write lock
    with db.engine.begin() as other:  # another process, as far as this one knows
        other.execute(
            insert(WebhookSubscription).values(
                url="https://hooks.example.com/other",
                events=["report.created"],
                secret="s" * 32,
                status="active",
                consecutive_failures=0,
            )
        )
    [added] = db.session.scalars(select(WebhookSubscription.id)).all()
    assert file_one() == [added]
