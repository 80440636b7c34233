"""The overview against six hand-worked cases (tests/cases.py), on both databases.

A closed, on time, mediated, satisfied;      dispatch 2 h,   resolve 2 d
B resolved, late, agreement, basically sat.; dispatch 4 h,   resolve 5 d, reopened once
C archived, no deadline, unresolvable, reopened twice and not satisfied since; 1 h, 1 d
D in progress (red card);                    dispatch 0.5 h
E dispatched in S2 (yellow card), received Monday 07:00 Shanghai = Sunday in UTC; 10 h
F received outside every area, not triaged
"""

from datetime import datetime

import pytest

from app.core.clock import SHANGHAI
from app.stats.filters import ReportFilter
from app.stats.overview import overview
from tests.helpers.cases import T0, add_case, overview_cases
from tests.helpers.geometry import INSIDE_G1

H, D = 3600.0, 86400.0
URL = "/api/v1/stats/overview"


@pytest.fixture
def cases(areas):
    return overview_cases()


def by_key(items):
    return {i["key"]: i["count"] for i in items}


def test_figures_match_the_hand_computed_set(client, cases, make_user, auth):
    body = client.get(URL, headers=auth(make_user("supervisor", ["D"]))).json
    assert body["total"] == 6 and body["resolved"] == 3
    rates = body["rates"]
    assert rates["mediation"] == {"value": round(2 / 3, 4), "numerator": 2, "denominator": 3}
    assert rates["on_time"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert rates["satisfaction"] == {"value": round(2 / 3, 4), "numerator": 2, "denominator": 3}
    assert body["rework"] == {"reopens": 3, "cases": 2}
    # Dispatch: 0.5, 1, 2, 4, 10 h → median 2 h; p90 at rank 3.6 → 4 + 0.6 × 6 = 7.6 h.
    assert body["time_to_dispatch"] == {
        "count": 5,
        "median_seconds": 2 * H,
        "p90_seconds": 27_360.0,
    }
    # Resolve: 1, 2, 5 d → median 2 d; p90 at rank 1.8 → 2 + 0.8 × 3 = 4.4 d.
    assert body["time_to_resolve"] == {
        "count": 3,
        "median_seconds": 2 * D,
        "p90_seconds": 380_160.0,
    }


def test_counts_by_dimension(client, cases, admin_headers):
    body = client.get(URL, headers=admin_headers).json
    assert by_key(body["by_status"]) == {
        "received": 1, "needs_info": 0, "dispatched": 1, "accepted": 0, "in_progress": 1,
        "resolved": 1, "closed": 1, "archived": 1, "rejected": 0, "merged": 0,
    }  # fmt: skip
    assert by_key(body["by_channel"]) == {
        "qr_scan": 2, "grid_worker": 1, "walk_in": 2, "hotline_12345": 1,
        "video_patrol": 0, "import": 0, "open311": 0,
    }  # fmt: skip
    assert by_key(body["by_risk"]) == {"low": 2, "medium": 1, "high": 1, "critical": 1, None: 1}
    risk_names = {i["key"]: i["name"] for i in body["by_risk"]}
    assert risk_names == {
        "low": "一般", "medium": "较大", "high": "重大", "critical": "紧急", None: "未分级"
    }  # fmt: skip
    assert by_key(body["by_category"]) == {
        "property_mgmt.fees": 2, "neighbour.noise": 1, "property_mgmt.service": 1,
        "labour_wages": 1, None: 1,
    }  # fmt: skip
    assert body["by_category"][0] == {"key": "property_mgmt.fees", "name": "物业收费", "count": 2}
    assert by_key(body["by_subdistrict"]) == {"S1": 4, "S2": 1, None: 1}
    names = {i["key"]: i["name"] for i in body["by_subdistrict"] + body["by_status"]}
    assert names["S1"] == "一号街道" and names["closed"] == "已结案"


def test_series_by_week_uses_shanghai_weeks_and_fills_gaps(client, cases, admin_headers):
    body = client.get(
        URL,
        query_string={"since": "2026-03-02", "until": "2026-03-23", "group_by": "week"},
        headers=admin_headers,
    ).json
    assert [p["period_start"] for p in body["series"]] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    first, second, empty = body["series"]
    assert (first["total"], second["total"], empty["total"]) == (5, 1, 0)
    assert first["rates"]["mediation"]["numerator"] == 2
    # Week one dispatch: 0.5, 1, 2, 4 h → median 1.5 h; p90 at rank 2.7 → 2 + 0.7 × 2 = 3.4 h.
    assert first["time_to_dispatch"] == {
        "count": 4,
        "median_seconds": 1.5 * H,
        "p90_seconds": 12_240.0,
    }
    assert second["time_to_dispatch"] == {
        "count": 1,
        "median_seconds": 10 * H,
        "p90_seconds": 10 * H,
    }
    assert empty["rates"]["on_time"] == {"value": None, "numerator": 0, "denominator": 0}
    assert empty["time_to_resolve"] == {"count": 0, "median_seconds": None, "p90_seconds": None}


@pytest.mark.parametrize("group_by", ["week", "month"])
def test_whole_window_is_the_same_with_a_series(client, cases, admin_headers, group_by):
    """With a series the whole window comes from the same pass as the periods (ROLLUP on
    PostgreSQL): every figure matches the overview asked for without one."""
    alone = client.get(URL, headers=admin_headers).json
    grouped = client.get(URL, query_string={"group_by": group_by}, headers=admin_headers).json
    for body in (alone, grouped):
        body.pop("generated_at"), body.pop("group_by"), body.pop("series", None)
    assert grouped == alone
    assert alone["time_to_dispatch"]["p90_seconds"] == 27_360.0


def test_series_by_month_cuts_at_shanghai_midnight(client, areas, admin_headers):
    add_case(INSIDE_G1, datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI))
    # 00:30 on 1 April in Shanghai is still 31 March in UTC.
    add_case(INSIDE_G1, datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI))
    body = client.get(URL, query_string={"group_by": "month"}, headers=admin_headers).json
    assert [(p["period_start"], p["total"]) for p in body["series"]] == [
        ("2026-03-01", 1), ("2026-04-01", 1),
    ]  # fmt: skip


def test_period_and_area_filters(client, cases, admin_headers):
    def total(**query):
        return client.get(URL, query_string=query, headers=admin_headers).json["total"]

    assert total(area_code="S2") == 1
    assert total(area_code="S1") == 4
    assert total(since="2026-03-02T10:00:00+08:00") == 5  # B (10:00) onwards, not A
    assert total(until="2026-03-02T11:00:00+08:00") == 2  # A, B; C arrives at 11:00
    assert total(since="2026-03-09", until="2026-03-10") == 1


def test_scope_limits_what_a_supervisor_counts(client, cases, make_user, auth):
    s1 = auth(make_user("supervisor", ["S1"]))
    # S1's four; F (outside every area) is for the district's desk only (issue #12).
    assert client.get(URL, headers=s1).json["total"] == 4
    district = auth(make_user("supervisor", ["D"]))
    assert client.get(URL, headers=district).json["total"] == 6
    assert client.get(URL, query_string={"area_code": "D"}, headers=s1).json["total"] == 4
    outside = client.get(URL, query_string={"area_code": "S2"}, headers=s1)
    assert outside.status_code == 403


def test_service_agrees_with_the_api(app, cases, make_user):
    """The function the page uses gives the same numbers without HTTP."""
    result = overview(make_user("admin"), ReportFilter(since=T0))
    assert result["total"] == 6 and result["rates"]["on_time"]["numerator"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"area_code": "NOWHERE"}, "area_code"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "until"),
        ({"since": "yesterday"}, "since"),
        ({"since": "0001-01-01T00:00:00+08:00"}, "since"),
        ({"group_by": "day"}, "group_by"),
        ({"area_code": "S1\x00"}, "area_code"),
    ],
)
def test_bad_queries_name_the_field(client, areas, admin_headers, query, field):
    response = client.get(URL, query_string=query, headers=admin_headers)
    assert response.status_code == 422
    assert field in response.json["errors"]["query"]


def test_roles(client, areas, make_user, auth):
    assert client.get(URL).status_code == 401
    responder = make_user("responder", ["S1"], unit="unit-S1")
    assert client.get(URL, headers=auth(responder)).status_code == 403
    assert client.get(URL, headers=auth(make_user("cleaner", ["D"]))).status_code == 403
