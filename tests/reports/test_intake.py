"""The shared intake path: routing, the created event, tracking numbers, bad input."""

import pytest
from sqlalchemy import select

from app.core.coords import from_wgs84, haversine_m
from app.core.errors import Invalid
from app.core.spatial import to_shapely
from app.extensions import db
from app.reports.intake import NewReport, create_report
from app.reports.models import Report, ReportEvent
from app.reports.tracking_keys import hash_tracking_key
from tests.helpers.geometry import FAR_EAST, INSIDE_G1


def test_report_is_routed_and_gets_a_created_event(areas):
    lon, lat = from_wgs84(*INSIDE_G1, "gcj02")
    created = create_report(
        NewReport("楼道堆放杂物", "grid_worker", lon, lat, "gcj02", accuracy_m=8)
    )
    db.session.commit()
    report = db.session.get(Report, created.report.id)
    stored = to_shapely(report.location)
    assert haversine_m(stored.x, stored.y, *INSIDE_G1) < 1.0
    assert (report.status, report.area_code, report.subdistrict_code, report.unit_code) == (
        "received", "G1", "S1", "unit-S1",
    )  # fmt: skip
    assert report.area_path == "/D/S1/C1/G1/" and report.in_coverage
    assert report.tracking_key_hash == hash_tracking_key(created.tracking_key)
    events = db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)).all()
    assert [(e.action, e.to_status) for e in events] == [("created", "received")]


def test_out_of_coverage_is_accepted_and_marked(areas):
    created = create_report(NewReport("河边有人钓鱼", "grid_worker", *FAR_EAST))
    db.session.commit()
    assert created.report.in_coverage is False and created.report.unit_code is None


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (NewReport("   ", "grid_worker"), "description"),
        (NewReport("有事", "carrier_pigeon"), "channel"),
        (NewReport("有事", "grid_worker", category_code="no_such"), "category_code"),
    ],
)
def test_bad_input_names_the_field(areas, new, field):
    with pytest.raises(Invalid) as error:
        create_report(new)
    assert field in error.value.errors["json"]


def test_tracking_numbers_differ(areas):
    numbers = {create_report(NewReport("有事", "walk_in")).report.tracking_no for _ in range(20)}
    assert len(numbers) == 20 and all(n.startswith("JF") and len(n) == 14 for n in numbers)


def test_tracking_lookup_and_scoped_access(areas, make_user):
    from app.core.errors import Forbidden, NotFound
    from app.reports.access import report_for
    from app.reports.schemas import dump_report
    from app.reports.tracking import find_by_tracking

    created = create_report(NewReport("噪音", "walk_in", *INSIDE_G1, reporter_phone="13812345678"))
    db.session.commit()
    report = created.report
    assert find_by_tracking(report.tracking_no, created.tracking_key) is report
    for key in ("wrong", None):
        with pytest.raises(NotFound):
            find_by_tracking(report.tracking_no, key)
    s1_worker, s2_worker = make_user("grid_worker", ["S1"]), make_user("grid_worker", ["S2"])
    assert report_for(s1_worker, report.id) is report
    with pytest.raises(Forbidden):
        report_for(s2_worker, report.id)
    responder = make_user("responder", ["S1"], unit="unit-S1")
    assert dump_report(report, responder)["reporter_phone"] == "138****5678"
    assert dump_report(report, s1_worker)["reporter_phone"] == "13812345678"
