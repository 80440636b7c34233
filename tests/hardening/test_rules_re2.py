"""Admin-entered regex rules run on RE2: no pattern can stall intake."""

import time

import pytest

from app.extensions import db
from app.triage.models import ReportSuggestion, TriageRule
from app.triage.rules import RuleSet


def test_a_backtracking_pattern_cannot_stall_an_anonymous_report(client, admin_headers, site, code):
    rule = client.post(
        "/api/v1/triage/rules",
        json={"kind": "risk", "match": "regex", "pattern": "(a+)+$", "target": "high"},
        headers=admin_headers,
    )
    assert rule.status_code == 201
    started = time.monotonic()
    # With Python's re this took about 30 s at 40 letters and doubles with each one more.
    response = client.post(
        "/api/v1/public/reports", json={"site_code": code, "description": "a" * 60 + "!"}
    )
    assert response.status_code == 201
    # Not a timing assertion on speed: a generous ceiling that only catastrophic backtracking
    # (hours at 60 letters) could cross.
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [(r"(打)\1", r"\1"), ("(?=打)架", "(?="), ("(?<!不)打", "(?<!"), ("a{5000}", "{5000}")],
)
def test_patterns_re2_cannot_run_are_refused_naming_the_construct(
    client, admin_headers, pattern, construct
):
    response = client.post(
        "/api/v1/triage/rules",
        json={"kind": "risk", "match": "regex", "pattern": pattern, "target": "high"},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert construct in response.json["errors"]["json"]["pattern"][0]


def test_a_stored_pattern_re2_refuses_costs_no_report(file_report, app):
    # Saved before rules were checked with RE2 (straight into the table): the report is kept
    # and the rule never sets its level.
    db.session.add(TriageRule(kind="risk", match="regex", pattern=r"(打)\1", target="critical"))
    db.session.commit()
    RuleSet.forget()
    report = file_report("打打闹闹")
    suggestion = db.session.get(ReportSuggestion, report.id)
    assert report.id and (suggestion is None or suggestion.suggested_risk != "critical")


def test_re2_rules_still_match_chinese(file_report, client, admin_headers):
    client.post(
        "/api/v1/triage/rules",
        json={
            "kind": "risk",
            "match": "regex",
            "pattern": r"\d+人(聚集|围堵)",
            "target": "critical",
        },
        headers=admin_headers,
    )
    report = file_report("门口有30人围堵")
    suggestion = db.session.get(ReportSuggestion, report.id)
    assert suggestion.suggested_risk == "critical"
    assert "「30人围堵」→紧急" in suggestion.risk_reasons
