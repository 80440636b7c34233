"""Admins edit the rules; the reports waiting in the queue are re-graded at once."""

import pytest

from app.extensions import db
from app.triage.models import ReportSuggestion


def graded(report_id: int) -> ReportSuggestion:
    db.session.expire_all()
    return db.session.get(ReportSuggestion, report_id)


def test_a_new_rule_regrades_the_queue_and_can_be_switched_off_and_deleted(
    file_report, client, admin_headers
):
    report = file_report("工地的挖掘机半夜还在挖土")
    assert graded(report.id).suggested_risk == "low"
    created = client.post(
        "/api/v1/triage/rules",
        json={"kind": "risk", "pattern": "挖掘机", "target": "high"},
        headers=admin_headers,
    )
    assert created.status_code == 201
    rule = created.json
    assert (rule["match"], rule["weight"], rule["active"]) == ("keyword", 1.0, True)
    assert graded(report.id).suggested_risk == "high"
    assert "「挖掘机」→重大" in graded(report.id).risk_reasons

    off = client.patch(
        f"/api/v1/triage/rules/{rule['id']}", json={"active": False}, headers=admin_headers
    )
    assert off.status_code == 200 and off.json["active"] is False
    assert graded(report.id).suggested_risk == "low"

    category = client.post(
        "/api/v1/triage/rules",
        json={"kind": "category", "match": "regex", "pattern": "挖掘?机", "target": "pollution",
              "weight": 3},
        headers=admin_headers,
    )  # fmt: skip
    assert category.status_code == 201
    assert graded(report.id).suggested_category_code == "pollution"
    gone = client.delete(f"/api/v1/triage/rules/{category.json['id']}", headers=admin_headers)
    assert gone.status_code == 204
    assert graded(report.id).suggested_category_code != "pollution"
    assert (
        client.delete(
            f"/api/v1/triage/rules/{category.json['id']}", headers=admin_headers
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "category", "pattern": "狗", "target": "no_such"}, "target"),
        ({"kind": "risk", "pattern": "狗", "target": "apocalyptic"}, "target"),
        ({"kind": "risk", "match": "regex", "pattern": "(", "target": "high"}, "pattern"),
        ({"kind": "risk", "match": "regex", "pattern": "x*", "target": "high"}, "pattern"),
        (
            {"kind": "risk", "match": "people_at_least", "pattern": "many", "target": "high"},
            "pattern",
        ),
        (
            {"kind": "category", "match": "amount_at_least", "pattern": "5", "target": "contract"},
            "match",
        ),
        ({"kind": "risk", "pattern": "   ", "target": "high"}, "pattern"),
        ({"kind": "mood", "pattern": "狗", "target": "high"}, "kind"),
        ({"kind": "risk", "target": "high"}, "pattern"),
    ],
)
def test_bad_rules_name_the_field(app, client, admin_headers, body, field):
    response = client.post("/api/v1/triage/rules", json=body, headers=admin_headers)
    assert response.status_code == 422 and field in response.json["errors"]["json"]


def test_a_bad_patch_changes_nothing(app, client, admin_headers):
    rule = client.post(
        "/api/v1/triage/rules", json={"kind": "risk", "pattern": "狗", "target": "medium"},
        headers=admin_headers,
    ).json  # fmt: skip
    bad = client.patch(
        f"/api/v1/triage/rules/{rule['id']}", json={"target": "contract"}, headers=admin_headers
    )
    assert bad.status_code == 422 and "target" in bad.json["errors"]["json"]
    db.session.rollback()
    listed = client.get("/api/v1/triage/rules?kind=risk&limit=200", headers=admin_headers).json
    assert next(r for r in listed["items"] if r["id"] == rule["id"])["target"] == "medium"


def test_rules_are_listed_by_page_and_kind_and_only_admins_change_them(
    areas, client, admin_headers, make_user, auth
):
    first = client.get("/api/v1/triage/rules?limit=50", headers=admin_headers).json
    assert len(first["items"]) == 50 and first["next_cursor"]
    second = client.get(
        f"/api/v1/triage/rules?limit=50&cursor={first['next_cursor']}", headers=admin_headers
    ).json
    assert first["items"][-1]["id"] < second["items"][0]["id"]
    risk = client.get("/api/v1/triage/rules?kind=risk&limit=200", headers=admin_headers).json
    assert {r["kind"] for r in risk["items"]} == {"risk"}
    assert {"持刀", "跳楼", "欠薪"} <= {r["pattern"] for r in risk["items"]}
    cleaner = auth(make_user("cleaner", ["D"]))
    assert client.get("/api/v1/triage/rules", headers=cleaner).status_code == 200
    body = {"kind": "risk", "pattern": "狗", "target": "high"}
    assert client.post("/api/v1/triage/rules", json=body, headers=cleaner).status_code == 403
    assert client.get("/api/v1/triage/rules").status_code == 401
