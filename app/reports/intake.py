"""Creating a report: the one path every intake channel takes (QR, grid workers, hotline …)."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.areas.locate import Located, locate
from app.categories.service import active_category
from app.core.clock import SHANGHAI, now
from app.core.database import insert_now
from app.core.errors import Invalid
from app.core.privacy import normalise_mobile
from app.core.spatial import point
from app.extensions import db
from app.lifecycle.signals import report_created
from app.reports.events import record_event
from app.reports.models import CHANNELS, PARTY_ROLES, Report, ReportParty
from app.reports.tracking_keys import hash_tracking_key, new_tracking_key

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone


@dataclass
class NewParty:
    name: str
    role: str = "当事人"
    phone: str | None = None


@dataclass
class NewReport:
    description: str
    channel: str
    lon: float | None = None
    lat: float | None = None
    coord_sys: str = "wgs84"
    location_source: str | None = None
    accuracy_m: float | None = None
    category_code: str | None = None
    reporter_phone: str | None = None
    reporter_name: str | None = None
    client_uuid: str | None = None
    # When the client_uuid is the retry key: the request's fingerprint (app.reports.uuid_keys).
    request_fingerprint: str | None = None
    occurred_at: datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    parties: list[NewParty] = field(default_factory=list)
    # A channel's own columns (e.g. the scanned QR site), stored with the report in one INSERT.
    columns: dict[str, Any] = field(default_factory=dict)
    # A key the channel derived itself (a retried write gets the same one); else a random one.
    tracking_key: str | None = None


@dataclass
class Created:
    report: Report
    tracking_key: str
    located: Located | None


def new_tracking_no(moment: datetime) -> str:
    """JF + the Shanghai date + 6 random characters: not guessable, easy to read aloud."""
    suffix = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(6))
    return f"JF{moment.astimezone(SHANGHAI):%y%m%d}{suffix}"


def apply_location(report: Report, located: Located, source: str, accuracy_m: float | None) -> None:
    report.location = point(located.lon, located.lat)
    report.location_source = source
    report.accuracy_m = accuracy_m
    deepest = located.deepest
    report.area_code = deepest.code if deepest else None
    report.area_path = deepest.path if deepest else None
    routing = located.routing_area
    report.subdistrict_code = routing.code if routing else None
    report.unit_code = located.unit.code if located.unit else None
    report.in_coverage = located.in_coverage
    report.snapped_m = located.snapped_m


def _party_rows(parties: list[NewParty]) -> list[ReportParty]:
    """Checked before anything is stored, so a bad party leaves nothing behind."""
    rows = []
    for index, party in enumerate(parties):
        name = (party.name or "").strip()
        phone = normalise_mobile(party.phone) if party.phone else None
        problems = {}
        if not name:
            problems["name"] = ["must not be empty"]
        if party.role not in PARTY_ROLES:
            problems["role"] = [f"must be one of {', '.join(PARTY_ROLES)}"]
        if party.phone and phone is None:
            problems["phone"] = ["must be a mainland mobile number, e.g. 13812345678"]
        if problems:
            message = "; ".join(f"parties.{index}.{k}: {v[0]}" for k, v in problems.items())
            raise Invalid(message, {"json": {"parties": {index: problems}}})
        rows.append(ReportParty(name=name, role=party.role, phone=phone))
    return rows


def create_report(new: NewReport, actor: User | None = None) -> Created:
    """Validate, route by position, store in `received`, and write the `created` event."""
    description = (new.description or "").strip()
    if not description:
        raise Invalid.field("description", "must not be empty")
    if new.channel not in CHANNELS:
        raise Invalid.field("channel", f"must be one of {', '.join(CHANNELS)}")
    if new.category_code:
        active_category(new.category_code)
    parties = _party_rows(new.parties)
    moment = now()
    report = Report(
        tracking_no=new_tracking_no(moment),
        status="received",
        channel=new.channel,
        description=description,
        category_code=new.category_code or None,
        reporter_user_id=actor.id if actor else None,
        reporter_name=new.reporter_name,
        reporter_phone=new.reporter_phone,
        client_uuid=new.client_uuid,
        request_fingerprint=new.request_fingerprint,
        occurred_at=new.occurred_at,
        created_at=moment,
        updated_at=moment,
        queued_at=moment,
        **new.columns,
    )
    tracking_key = new.tracking_key or new_tracking_key()
    report.tracking_key_hash = hash_tracking_key(tracking_key)
    located = None
    if new.lon is not None and new.lat is not None:
        located = locate(new.lon, new.lat, new.coord_sys)
        apply_location(report, located, new.location_source or "device", new.accuracy_m)
    # One INSERT … RETURNING, not the ORM's unit of work: this runs for every report filed.
    insert_now(db.session, report)
    for party in parties:
        party.report_id = report.id
        insert_now(db.session, party)
        set_committed_value(party, "report", report)
    set_committed_value(report, "parties", parties)
    # Photos come later (their own request or the channel's code): none yet, no query to ask.
    set_committed_value(report, "photos", [])
    # A new report's timeline starts here: the created event is appended without a query.
    set_committed_value(report, "events", [])
    record_event(
        report,
        "created",
        actor=actor,
        to_status="received",
        payload={"channel": new.channel, "in_coverage": report.in_coverage, **new.payload},
        public=True,
        at_once=True,
    )
    report_created.send(report)
    return Created(report, tracking_key, located)
