"""The plain dumper writes what marshmallow writes, byte for byte, for the pages that use it.

The queue, the report lists, the overdue list, the answer to a filed report and the report in
a webhook's body go through app.core.plain_dump; their schemas stay the contract. Varied reports (every channel, with and without a position, phone,
category, answers, deadlines, a merge, a claim, duplicate suggestions) are dumped both ways,
for a viewer who sees phones and one who sees them masked.
"""

from datetime import timedelta

import marshmallow as ma
import orjson
import pytest

from app.core.clock import frozen_at, now
from app.core.plain_dump import dumper, instance_dumper
from app.core.schemas import Schema
from app.extensions import db
from app.reports.intake import NewParty, NewReport, create_report
from app.reports.routes import ReportPage
from app.reports.schemas import (
    PhotoSchema,
    ReportCreatedSchema,
    ReportSchema,
    _viewer,
    dump_report,
)
from app.triage.queue import items_for
from app.triage.schemas import QueuePageSchema
from app.webhooks.outbox import REPORT_FIELDS
from app.workflow.routes import OverduePage
from tests.helpers.cases import T0, add_case
from tests.helpers.geometry import FAR_EAST, INSIDE_G1, INSIDE_S2


@pytest.fixture
def varied(areas, make_user):
    holder = make_user("cleaner", ["D"], display_name="清洗员甲")
    made = [
        add_case(INSIDE_G1, T0, channel="qr_scan", phone="13812345678", category="neighbour"),
        add_case(INSIDE_G1, T0 + timedelta(minutes=5), channel="qr_scan", phone="13812345678"),
        add_case(None, T0 + timedelta(hours=1), channel="hotline_12345", description="无位置"),
        add_case(FAR_EAST, T0 + timedelta(hours=2), channel="walk_in", description="区域外"),
        add_case(
            INSIDE_S2,
            T0 + timedelta(hours=3),
            channel="grid_worker",
            category="labour_wages",
            status="in_progress",
            risk_level="high",
            attributes={"amount": 12000, "人数": 3, "nested": {"a": [1, None]}},
            due_at=T0 + timedelta(days=3),
            dispatched_at=T0 + timedelta(hours=4, microseconds=123),
            reopen_count=2,
        ),
        add_case(INSIDE_S2, T0 + timedelta(hours=4), status="merged", accuracy_m=12.5),
    ]
    made[-1].duplicate_of = made[-2].id
    made[0].claimed_by_user_id = holder.id
    made[0].claim_expires_at = now() + timedelta(minutes=10)
    db.session.commit()
    return made


def _both(schema, data) -> tuple[bytes, bytes]:
    return orjson.dumps(schema().dump(data)), orjson.dumps(dumper(schema)(data))


@pytest.mark.parametrize("role", ["supervisor", "cleaner"])
def test_report_pages_are_the_same_bytes(varied, make_user, role):
    viewer = make_user(role, ["D"])
    token = _viewer.set(viewer)
    try:
        for schema in (ReportPage, OverduePage):
            page = {"items": varied, "next_cursor": "abc"}
            marshmallow, plain = _both(schema, page)
            assert plain == marshmallow
            assert _both(schema, {"items": [], "next_cursor": None})[0] == orjson.dumps(
                dumper(schema)({"items": [], "next_cursor": None})
            )
    finally:
        _viewer.reset(token)
    assert b"13812345678" in plain or b"138****5678" in plain  # the phone went through its field


def test_queue_pages_are_the_same_bytes(varied, make_user):
    cleaner = make_user("cleaner", ["D"])
    queued = [r for r in varied if r.status in ("received", "needs_info")]
    items = items_for(queued, cleaner)
    assert any(i.claim for i in items) and any(i.suggestions["duplicates"] for i in items)
    token = _viewer.set(cleaner)
    try:
        marshmallow, plain = _both(QueuePageSchema, {"items": items, "next_cursor": None})
    finally:
        _viewer.reset(token)
    assert plain == marshmallow


def test_fields_it_has_no_shortcut_for_are_dumped_by_the_field_itself(varied):
    class Photo:
        id, report_id, width, height = 7, varied[0].id, 640, 480
        exif_lon = exif_lat = uploaded_by_user_id = None
        created_at = T0

    marshmallow, plain = _both(PhotoSchema, Photo())
    assert plain == marshmallow and b"/photos/7" in plain


def test_a_schema_with_dump_hooks_is_refused():
    class Hooked(Schema):
        a = ma.fields.Integer()

        @ma.post_dump
        def _wrap(self, data, **kwargs):
            return {"wrapped": data}

    with pytest.raises(TypeError, match="dump hooks"):
        dumper(Hooked)


@pytest.mark.parametrize("role", ["grid_worker", "responder"])
def test_the_answer_to_a_filed_report_is_the_same_bytes(varied, make_user, role):
    viewer = make_user(role, ["D"])
    with frozen_at(T0 + timedelta(hours=5)):
        parties = [NewParty("张三", phone="13912345678"), NewParty("李四")]
        new = NewReport("邻里纠纷", "grid_worker", *INSIDE_G1, reporter_phone="13812345678")
        new.parties = parties
        filed = create_report(new, viewer).report
    db.session.commit()
    for report in [*varied, filed]:
        token = _viewer.set(viewer)
        try:
            marshmallow = orjson.dumps(ReportCreatedSchema().dump(report))
        finally:
            _viewer.reset(token)
        assert orjson.dumps(dump_report(report, viewer, ReportCreatedSchema)) == marshmallow
    assert b'"parties":[{' in marshmallow and b'"timeline":[{' in marshmallow


def test_the_report_in_a_webhook_is_the_same_bytes(varied):
    schema = ReportSchema(only=REPORT_FIELDS)
    for report in varied:
        plain = orjson.dumps(instance_dumper(schema)(report))
        assert plain == orjson.dumps(schema.dump(report))
    first = orjson.dumps(instance_dumper(schema)(varied[0]))
    assert first.startswith(b'{"id":') and b'"location":{' in first and b"reporter" not in first


def test_a_report_read_before_its_columns_are_loaded_is_the_same_bytes(varied, make_user):
    # The dumper reads what the ORM has loaded straight from the object; what is not loaded
    # yet (expired by a commit, or never read) still comes through the ORM's attribute.
    viewer = make_user("supervisor", ["D"])
    db.session.expire_all()
    report = varied[4]
    assert "status" not in report.__dict__
    token = _viewer.set(viewer)
    try:
        plain = orjson.dumps(dumper(ReportCreatedSchema)(report))
        assert "status" in report.__dict__
        report.status = "resolved"  # the loaded value, changed in the session, is the one shown
        changed = orjson.dumps(dumper(ReportCreatedSchema)(report))
        marshmallow = orjson.dumps(ReportCreatedSchema().dump(report))
    finally:
        _viewer.reset(token)
    assert b'"status":"in_progress"' in plain and b'"status":"resolved"' in changed
    assert changed == marshmallow
