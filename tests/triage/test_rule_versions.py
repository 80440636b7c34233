"""The rules each process keeps are trusted only under their change version: a rule added,
edited or removed is used at once — in the same transaction, before commit, and in every other
process after commit — with no one telling the cache (issue 19: the version is read once per
transaction with the others, not the table)."""

from sqlalchemy import insert, update

from app.extensions import db
from app.triage.models import TriageRule
from app.triage.rules import RuleSet, create_rule, delete_rule, update_rule

TEXT = "小区门口有一只会说话的鹦鹉"


def risk_of(text: str = TEXT) -> str:
    return RuleSet.load().risk(text)[0]


def test_a_rule_added_edited_and_removed_is_seen_in_the_same_transaction(app):
    assert risk_of() == "low"  # the process keeps these rules now
    rule = create_rule(kind="risk", match="keyword", pattern="鹦鹉", target="high")
    assert risk_of() == "high"  # not committed: this transaction sees its own rule
    update_rule(rule.id, target="critical")
    assert risk_of() == "critical"
    update_rule(rule.id, active=False)
    assert risk_of() == "low"
    update_rule(rule.id, active=True)
    assert risk_of() == "critical"
    delete_rule(rule.id)
    assert risk_of() == "low"


def test_a_rule_written_straight_into_the_table_is_seen(app):
    assert risk_of() == "low"
    values = {"kind": "risk", "match": "keyword", "pattern": "鹦鹉", "target": "high"}
    db.session.execute(insert(TriageRule).values(weight=1.0, active=True, **values))
    assert risk_of() == "high"
    db.session.execute(update(TriageRule).where(TriageRule.pattern == "鹦鹉").values(weight=0))
    assert risk_of() == "low"  # a risk rule of weight 0 sets nothing


def test_a_rolled_back_rule_is_forgotten(app):
    db.session.commit()
    create_rule(kind="risk", match="keyword", pattern="鹦鹉", target="high")
    assert risk_of() == "high"
    db.session.rollback()
    assert risk_of() == "low"


def test_a_rule_another_connection_commits_is_seen_by_the_next_transaction(app):
    assert risk_of() == "low"
    db.session.commit()
    with db.engine.begin() as other:  # another process, as far as this one knows
        other.execute(
            insert(TriageRule).values(
                kind="risk", match="keyword", pattern="鹦鹉", target="high", weight=1.0, active=True
            )
        )
    assert risk_of() == "high"
