"""find_duplicates scores a crowded place exactly as the plain loop would (issue 19, h24d):
the same candidates, the same scores to the bit, the same reasons, the same order."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from app.core.clock import frozen_at
from app.core.coords import haversine_m
from app.core.spatial import to_shapely
from app.extensions import db
from app.qr_sites.service import create_site
from app.reports.models import DUPLICATE_CANDIDATE_STATES, Report
from app.triage import suggestions
from app.triage.duplicates import Side, reasons, score
from app.triage.finder import min_score
from app.triage.meaning import from_stored, terms
from app.triage.models import ReportSuggestion
from app.triage.suggestions import find_duplicates, given
from tests.helpers.geometry import INSIDE_G1

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
LEAK = "阳光花园3栋楼上卫生间漏水，天花板全湿了"
LEAK_AGAIN = "楼上渗水，我家天花板一直滴水"
NOISE = "楼上半夜一直有动静，吵得睡不着"
OTHER = "小区门口路灯坏了好几天"
PHONE = "13800138000"
NORTH = 1e-4  # about 11 m of latitude


@pytest.fixture
def poster(areas):
    site = create_site("幸福里3号楼", *INSIDE_G1)
    db.session.commit()
    return site


def at(metres_north: float) -> tuple[float, float]:
    return INSIDE_G1[0], INSIDE_G1[1] + NORTH * metres_north / 11.1


def crowd(file_report, site) -> list[Report]:
    """A flooded poster and its surroundings: texts repeated at one point, the same text with
    a category a person gave or not, another caller's phone, a reading lost (scored by its
    text), reports further off and outside the radius, merged ones."""
    here = {"columns": {"qr_site_id": site.id}}
    plan = [
        *[(LEAK, at(0), here) for _ in range(6)],
        *[(LEAK_AGAIN, at(0), here) for _ in range(4)],
        (LEAK, at(0), {**here, "category_code": "neighbour.water_leak"}),
        (LEAK, at(0), {**here, "category_code": "neighbour.noise"}),
        (LEAK, at(0), {**here, "reporter_phone": PHONE}),
        *[(NOISE, at(0), here) for _ in range(3)],
        (NOISE, at(0), {"category_code": "neighbour.noise"}),
        (LEAK, at(40), {}),
        (LEAK_AGAIN, at(150), {"reporter_phone": PHONE}),
        (OTHER, at(0), here),
        (OTHER, at(90), {}),
        (LEAK, at(420), {}),  # outside the 300 m radius
    ]
    filed = []
    with frozen_at(T0) as clock:
        for text, where, kw in plan:
            filed.append(file_report(text, at=where, **kw))
            clock.advance(timedelta(minutes=7))
    # Two merged into earlier ones (their survivors stand for them), one reading lost.
    for merged, survivor in ((filed[3], filed[0]), (filed[8], filed[7])):
        merged.status, merged.duplicate_of = "merged", survivor.id
    db.session.get(ReportSuggestion, filed[5].id).reading = None
    db.session.get(ReportSuggestion, filed[14].id).reading = None
    db.session.commit()
    return filed


def plain(report: Report, category_code: str | None, likely) -> list[dict]:
    """The loop as it was written first: every row read through the ORM, its Side built, its
    score and reasons worked out one by one."""
    config = current_app.config
    radius = float(config["DUPLICATE_RADIUS_M"])
    window = timedelta(days=float(config["DUPLICATE_WINDOW_DAYS"]))
    window_hours = window.total_seconds() / 3600
    here = to_shapely(report.location)
    mine = Side(
        report.description,
        category_code,
        report.qr_site_id,
        report.reporter_phone,
        terms(report.description),
        given(report.category_code) or likely,
    )
    rows = db.session.execute(
        select(Report, ReportSuggestion)
        .outerjoin(ReportSuggestion, ReportSuggestion.report_id == Report.id)
        .where(
            Report.id != report.id,
            Report.status.in_(DUPLICATE_CANDIDATE_STATES),
            Report.created_at >= report.created_at - window,
            Report.created_at <= report.created_at,
        )
        .order_by(Report.created_at.desc(), Report.id.desc())
    ).all()
    best: dict[int, dict] = {}
    for other, kept in rows:
        there = to_shapely(other.location)
        distance = haversine_m(here.x, here.y, there.x, there.y)
        if distance > radius:
            continue
        reading = from_stored(kept.reading) if kept is not None and kept.reading else None
        theirs = Side(
            other.description,
            other.category_code or (kept.suggested_category_code if kept else None),
            other.qr_site_id,
            other.reporter_phone,
            reading,
            given(other.category_code) or (reading.likely if reading is not None else None),
        )
        hours = max(0.0, (report.created_at - other.created_at).total_seconds() / 3600)
        value = score(mine, theirs, distance, radius, hours, window_hours)
        if value < min_score(suggestions.finder()):
            continue
        target = other.duplicate_of if other.status == "merged" else other.id
        if target not in best or value > best[target]["score"]:
            best[target] = {
                "report_id": target,
                "score": value,
                "distance_m": round(distance, 1),
                "reasons": reasons(mine, theirs, distance, hours),
            }
    return sorted(best.values(), key=lambda c: (-c["score"], c["distance_m"], c["report_id"]))


def _newcomer(file_report, site, text: str, **kw) -> tuple[Report, ReportSuggestion]:
    with frozen_at(T0 + timedelta(hours=3)):
        report = file_report(text, at=at(0), columns={"qr_site_id": site.id}, **kw)
    return report, db.session.get(ReportSuggestion, report.id)


@pytest.mark.parametrize(
    ("text", "kw"),
    [
        (LEAK, {}),
        (LEAK, {"reporter_phone": PHONE}),
        (LEAK_AGAIN, {"category_code": "neighbour.water_leak"}),
        (NOISE, {}),
    ],
)
def test_a_crowded_place_scores_as_the_plain_loop(app, file_report, poster, monkeypatch, text, kw):
    site = poster
    crowd(file_report, site)
    report, stored = _newcomer(file_report, site, text, **kw)
    own = report.category_code or stored.suggested_category_code
    kept = stored.reading.get("c")
    likely = tuple((code, p) for code, p in kept) if kept is not None else None

    expected = plain(report, own, likely)
    assert len(expected) > 10  # most of the crowd passes the minimum: a real comparison
    assert any(len(c["reasons"]) > 3 for c in expected)
    # What intake stored, the five best.
    assert stored.duplicates == expected[:5]
    # Every candidate that passes, in order, to the bit.
    monkeypatch.setattr(suggestions, "MAX_DUPLICATES", 100)
    assert [c.as_json() for c in find_duplicates(report, own, None, likely)] == expected
