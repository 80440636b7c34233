"""After anonymisation nothing that identifies a person is left anywhere in the database."""

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import text
from werkzeug.datastructures import MultiDict

from app.core.clock import now
from app.core.idempotency import IdempotencyRecord
from app.extensions import db
from app.open311.filing import file_request
from app.open311.keys import issue_key
from app.photos.service import attach_photo, storage
from app.reports.events import record_event
from app.reports.intake import NewParty, NewReport, create_report
from app.workflow.archive import anonymise_archived
from tests.geometry import INSIDE_G1

NAME, PHONE, PARTY_NAME, PARTY_PHONE = "张秀英", "13812345678", "李建国", "13987654321"
# What an Open311 client sends about its user, and the address it posts from.
EMAIL, ACCOUNT, DEVICE, ADDRESS, MEDIA, CLIENT_IP = (
    "zhang.xiuying@example.com", "acct-zxy-9", "device-zxy-1", "幸福里3栋2单元501",
    "https://media.example.com/zxy.jpg", "203.0.113.77",
)  # fmt: skip


def everything_stored() -> str:
    """Every row of every table, as text."""
    rows = []
    for table in db.metadata.sorted_tables:
        columns = [c.name for c in table.columns if c.type.__class__.__name__ != "Geometry"]
        listed = ", ".join(f'"{c}"' for c in columns)
        for row in db.session.execute(text(f'SELECT {listed} FROM "{table.name}"')):
            rows.append(" ".join(str(v) for v in row))
    return "\n".join(rows)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_anonymisation_leaves_no_name_phone_or_key(app, areas, make_user):
    staff = make_user("cleaner", ["D"])
    created = create_report(
        NewReport(
            f"{NAME}（电话{PHONE}）反映邻居{PARTY_NAME}半夜装修",
            "walk_in",
            *INSIDE_G1,
            reporter_name=NAME,
            reporter_phone=PHONE,
            parties=[NewParty(PARTY_NAME, "当事人", PARTY_PHONE)],
            client_uuid="walk-in-0001",
            request_fingerprint="e" * 64,  # its retry record: a keyed hash of the request
        )
    )
    report, key = created.report, created.tracking_key
    api_key, _secret = issue_key("12345平台")
    lon, lat = INSIDE_G1
    via_open311 = file_request(
        api_key,
        MultiDict(
            {
                "jurisdiction_id": "D", "service_code": "labour_wages.unpaid_wages",
                "lat": str(lat), "long": str(lon), "attribute[danger_now]": "no",
                "description": "工地拖欠工资", "email": EMAIL, "account_id": ACCOUNT,
                "device_id": DEVICE, "address_string": ADDRESS, "media_url": MEDIA,
            }
        ),
        CLIENT_IP,
    ).report  # fmt: skip
    attach_photo(report, jpeg(), "a.jpg")
    record_event(report, "add_info", role="reporter", reason=f"我是{NAME}，电话{PHONE}")
    db.session.add(
        IdempotencyRecord(
            scope=f"user:{staff.id}",
            key="k-1",
            fingerprint="f" * 64,
            status=201,
            resource="report",
            resource_id=report.id,
            created_at=now() - timedelta(days=400),
        )
    )
    db.session.flush()
    photo_keys = [p.storage_key for p in report.photos]
    for archived in (report, via_open311):
        archived.status, archived.archived_at = "archived", now() - timedelta(days=400)
    db.session.commit()
    before = everything_stored()
    # (the tracking key itself is stored only as a hash, so it is not among them)
    open311 = (EMAIL, ACCOUNT, DEVICE, ADDRESS, MEDIA, CLIENT_IP)
    for personal in (NAME, PHONE, PARTY_NAME, *open311):
        assert personal in before

    assert anonymise_archived() == sorted([report.id, via_open311.id])
    db.session.commit()
    after = everything_stored()
    for personal in (NAME, PHONE, PARTY_NAME, PARTY_PHONE, key, *open311):
        assert personal not in after
    assert not any(storage().exists(k) for k in photo_keys)
    db.session.expire_all()
    # What stays: where, what kind, when.
    kept = db.session.get(type(report), report.id)
    assert kept.area_code == "G1" and kept.created_at and kept.status == "archived"
    assert kept.request_fingerprint is None  # no retry comes a year late
