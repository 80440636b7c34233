"""The change versions are read once per transaction (issue 19) and read again whenever a
statement could have moved one: a write to a watched table, the rollback of a savepoint, a new
transaction."""

import pytest
from sqlalchemy import select, text

from app.core import versions
from app.core.version_sql import ROUTING, RULES
from app.extensions import db
from app.reports.intake import NewReport, create_report
from app.triage.models import TriageRule
from app.triage.rules import create_rule
from app.webhooks.models import WebhookSubscription
from tests.helpers.geometry import INSIDE_G1
from tests.helpers.statements import statements_sent


def file_one() -> None:
    create_report(NewReport("楼道里堆满杂物，影响通行", "qr_scan", *INSIDE_G1))
    db.session.commit()


@pytest.mark.commits  # statements of a real transaction, on the engine's own connections
def test_filing_a_report_asks_once_whether_areas_rules_or_subscriptions_changed(app, areas):
    db.session.add(
        WebhookSubscription(
            url="https://hooks.example.com/a", events=["report.created"], secret="s" * 32
        )
    )
    db.session.commit()
    file_one()  # the process now keeps the index, the rules and the followers
    with statements_sent(db.engine) as sent:
        file_one()
    assert sum("routing_version" in s for s in sent) == 1, sent
    assert not [s for s in sent if "triage_rules" in s or "webhook_subscriptions" in s]
    assert any(s.lstrip().upper().startswith("INSERT INTO WEBHOOK_OUTBOX") for s in sent)


def test_a_write_to_a_watched_table_is_seen_by_the_next_read(app):
    connection = db.session.connection()
    before = versions.current(RULES, connection)
    create_rule(kind="risk", match="keyword", pattern="鹦鹉", target="high")
    after = versions.current(RULES, connection)
    assert after is not None and after != before
    # A write to an unwatched table keeps the memo: asking again sends nothing.
    with statements_sent(db.engine) as sent:
        db.session.execute(select(TriageRule.id).limit(1))
        assert versions.current(RULES, connection) == after
    assert not [s for s in sent if "routing_version" in s]


def test_a_rolled_back_savepoint_takes_its_number_back(app):
    connection = db.session.connection()
    before = versions.current(RULES, connection)
    with db.session.begin_nested() as savepoint:
        create_rule(kind="risk", match="keyword", pattern="鹦鹉", target="high")
        assert versions.current(RULES, connection) != before
        savepoint.rollback()
    assert versions.current(RULES, connection) == before


@pytest.mark.parametrize(
    ("statement", "moves"),
    [
        ("INSERT INTO reports (area_code, unit_code, subdistrict_code) VALUES (?, ?, ?)", False),
        ("SELECT areas.id FROM areas JOIN units ON units.area_code = areas.code", False),
        ("  select * from webhook_subscriptions", False),
        ("INSERT INTO areas (code) VALUES (?)", True),
        ("UPDATE units SET active = false", True),
        ('DELETE FROM "triage_rules" WHERE id = 1', True),
        ("TRUNCATE areas, units RESTART IDENTITY CASCADE", True),
        ("WITH gone AS (DELETE FROM webhook_subscriptions RETURNING id) SELECT 1", True),
        ("COPY areas (code) FROM STDIN", True),
        ("INSERT OR REPLACE INTO routing_version (id, version) VALUES (1, 1)", True),
    ],
)
def test_which_statements_could_move_a_number(statement, moves):
    assert versions.may_change_versions(statement) is moves


def test_no_row_yet_reads_as_none(app):
    connection = db.session.connection()
    db.session.execute(text("DELETE FROM routing_version WHERE id = 1"))
    assert versions.current(ROUTING, connection) is None
