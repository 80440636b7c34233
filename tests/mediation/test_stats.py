"""Mediation in the overview and the ledger, worked out by hand from a small set of cases."""

from datetime import timedelta

import pytest

from app.core.clock import frozen_at
from app.exports.ledger import HEADERS, ledger_rows
from app.extensions import db
from app.mediation.parts import parts_of
from app.stats.filters import ReportFilter
from app.workflow.sweep import sweep
from tests.conftest import TEST_PASSWORD
from tests.mediation.test_parts import joint_case
from tests.mediation.test_sessions import session
from tests.workflow.conftest import reload
from tests.workflow.test_sweep import TUESDAY

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def mediation_cases(staff, client, auth, act, dispatched):
    """A: a joint case agreed at its second session; B: three sessions without agreement at the
    community tier, escalated by the rule, with one summons answered late and one never."""
    with frozen_at(TUESDAY) as clock:
        # A: joint case, agreement at the second session (sub-district tier), resolved at +5h.
        a, _ = joint_case(staff, client, auth)
        lead, co = staff.subdistrict, staff.other_subdistrict
        act(lead, a, "accept")
        (part,) = parts_of(a.id)
        client.post(f"/api/v1/co-unit-parts/{part.id}/accept", headers=auth(co))
        held = clock.advance(HOUR)
        act(lead, a, "sessions", json=session(at=held))
        held = clock.advance(HOUR)
        act(co, a, "sessions", json=session("agreement", at=held))
        client.post(f"/api/v1/co-unit-parts/{part.id}/report", json={"note": "已办"},
                    headers=auth(co))  # fmt: skip
        clock.advance(3 * HOUR)
        assert (
            act(lead, a, "resolve", json={"outcome": "mediated", "note": "调解成功"}).status_code
            == 200
        )
        # B: community tier, three sessions without agreement; summons answered late and not.
        b = dispatched(unit="unit-C1")
        act(staff.community, b, "accept")
        due = (clock.advance(timedelta(0)) + 2 * HOUR).isoformat()
        summoned = act(
            staff.community,
            b,
            "summons",
            json={"unit_codes": ["unit-S2", "unit-D"], "reason": "协同", "due_at": due},
        )
        s2 = next(p["id"] for p in summoned.json if p["unit_code"] == "unit-S2")
        for _ in range(3):
            held = clock.advance(HOUR)
            act(staff.community, b, "sessions", json=session(at=held))
        client.post(f"/api/v1/summons/{s2}/acknowledge", headers=auth(co))
        client.post(f"/api/v1/summons/{s2}/report", json={"note": "已到场"}, headers=auth(co))
    assert sweep(TUESDAY + 3 * DAY).by_attempt_rule == [b.id]
    db.session.commit()
    return a, b


def test_overview_and_ledger_count_mediation(staff, client, auth, act, dispatched):
    a, b = mediation_cases(staff, client, auth, act, dispatched)
    supervisor = staff.supervisor
    figures = client.get("/api/v1/stats/overview", headers=auth(supervisor)).json["mediation"]
    by_tier = {t["tier"]: t for t in figures["by_tier"]}
    assert by_tier["subdistrict"] == {"tier": "subdistrict", "cases": 1, "agreed": 1,
                                      "success_rate": 1.0}  # fmt: skip
    assert by_tier["community"]["cases"] == 1 and by_tier["community"]["agreed"] == 0
    assert figures["sessions"] == 5 and figures["agreements"] == 1
    assert figures["avg_sessions_to_agreement"] == 2.0
    assert figures["escalated_by_attempt_rule"] == 1
    assert figures["joint_cases"] == 1 and figures["joint_median_hours_to_resolve"] == 5.0
    departments = {d["unit_code"]: d for d in figures["summons_by_department"]}
    # unit-S2 reported after 3 hours of a 2-hour limit; unit-D never answered.
    assert (departments["unit-S2"]["late"], departments["unit-S2"]["on_time"]) == (1, 0)
    assert departments["unit-D"]["unanswered"] == 1 and departments["unit-D"]["on_time_rate"] == 0
    rows = {r[0]: r for r in ledger_rows(supervisor, ReportFilter())}
    index = HEADERS.index("调解次数")
    assert rows[reload(a).tracking_no][index : index + 2] == (2, "协办1家")
    assert rows[reload(b).tracking_no][index : index + 2] == (3, "吹哨2家")


@pytest.mark.browser
def test_the_dashboard_shows_mediation(staff, client, auth, act, dispatched, live_server, browser):
    mediation_cases(staff, client, auth, act, dispatched)
    username = staff.supervisor.username
    # Hand the database to the server thread (SQLite: no lock held here).
    db.session.commit()
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server}/dashboard?days=365")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    panel = page.get_by_role("region", name="调解与联调联处")
    panel.wait_for()
    assert panel.locator("tr[data-tier=subdistrict]").inner_text().split() == [
        "镇/街道", "1", "1", "100.0%",
    ]  # fmt: skip
    assert page.inner_text("[data-figure=sessions_to_agreement]") == "2.0"
    assert page.inner_text("[data-figure=attempt_rule]") == "1"
    assert page.inner_text("[data-figure=joint]") == "1"
    rows = panel.locator("#summons tbody tr")
    assert rows.count() == 2
    assert (
        "测试区社会治理中心" in rows.nth(0).inner_text()
        and rows.nth(0).inner_text().split()[-1] == "1"
    )
