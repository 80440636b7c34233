"""GET requests: what anyone may read of a report — public fields only, in GeoReport's words.

Published: the tracking number, the category, the text with numbers and the case's known names
hidden, the responsible unit, times, the area chain's names and a rounded position.
Never: reporter or party names and phones, e-mail, the client's ids, the exact position or the
client's address text, photos, staff names or free-text reasons.
Reports whose reporter asked not to publish are left out entirely, as if they did not exist.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import load_only

from app.areas.models import Area
from app.categories.models import Category
from app.core.clock import SHANGHAI, now
from app.core.errors import Invalid, NotFound
from app.core.privacy import public_position, redact_text
from app.core.spatial import xy
from app.extensions import db
from app.lifecycle.states import TERMINAL
from app.public.case_view import FIXED_SENTENCES, OUTCOME_TEXT
from app.reports.models import STATUSES, Report, ReportEvent, ReportParty
from app.units.models import Unit

# GeoReport knows two states. Closed: the terminal states (archived, and reports turned down
# or folded into another) and a closed case; everything else is open — a resolved case too,
# as its call-back and closing are still to come.
CLOSED_STATES = ("closed", *TERMINAL)
OPEN_STATES = tuple(s for s in STATUSES if s not in CLOSED_STATES)
MAX_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
# The public note of each step, without anything a person typed (reasons may name people).
NOTES = {
    **FIXED_SENTENCES,
    "need_info": "工作人员已请反映人补充情况",
    "reject": "经核实，该反映未予受理",
    "follow_up": "已回访反映人",
    "merge": "与同一事项合并办理",
}


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATES else "open"


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def parse_time(name: str, raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise Invalid.field(
            name, "must be a W3C time, e.g. 2026-03-01T00:00:00+08:00", "query"
        ) from error
    if moment.tzinfo is None:
        raise Invalid.field(name, "must carry a time zone (Z or +08:00)", "query")
    return moment


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The standard's defaults: the last 90 days; never more than 90 days between the two."""
    if start and end:
        if end < start:
            raise Invalid.field("end_date", "must not be before start_date", "query")
        if end - start > MAX_WINDOW:
            raise Invalid.field("end_date", "must be at most 90 days after start_date", "query")
        return start, end
    if start:
        return start, start + MAX_WINDOW
    end = end or now()
    return end - MAX_WINDOW, end


def _comma(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


@dataclass
class Query:
    ids: list[str]
    service_codes: list[str]
    statuses: list[str]
    start: datetime
    end: datetime


def read_query(args) -> Query:
    statuses = _comma(args.get("status"))
    for status in statuses:
        if status not in ("open", "closed"):
            raise Invalid.field("status", "must be open or closed (comma-separated)", "query")
    ids = _comma(args.get("service_request_id"))
    if len(ids) > MAX_RESULTS:
        raise Invalid.field("service_request_id", f"at most {MAX_RESULTS} ids", "query")
    start, end = window(parse_time("start_date", args.get("start_date")),
                        parse_time("end_date", args.get("end_date")))  # fmt: skip
    return Query(ids, _comma(args.get("service_code")), statuses, start, end)


@dataclass
class Found:
    report: Report
    # The position as plain numbers: parsing a thousand geometries cost a quarter of a second.
    lon: float | None
    lat: float | None


PUBLISHED_COLUMNS = (
    Report.tracking_no, Report.status, Report.category_code, Report.description,
    Report.unit_code, Report.area_path, Report.outcome, Report.duplicate_of,
    Report.reporter_name, Report.created_at, Report.updated_at, Report.due_at,
    Report.anonymised_at,
)  # fmt: skip
# Anonymising removes the names the redaction needs; the text is then withheld instead.
WITHHELD = "（已匿名化，内容不再公开）"


def _published():
    return (
        select(Report, *xy(Report.location))
        # Only what is published (or needed to publish it): the reports row is wide.
        .options(load_only(*PUBLISHED_COLUMNS, raiseload=True))
        .where(Report.do_not_publish.is_(False))
    )


def find_requests(query: Query) -> list[Found]:
    """Newest first, at most 1,000. Ids, when given, override every other filter."""
    statement = _published()
    if query.ids:
        statement = statement.where(Report.tracking_no.in_(query.ids))
    else:
        statement = statement.where(
            Report.created_at >= query.start, Report.created_at <= query.end
        )
        if query.service_codes:
            statement = statement.where(Report.category_code.in_(query.service_codes))
        if query.statuses == ["open"]:
            statement = statement.where(Report.status.in_(OPEN_STATES))
        elif query.statuses == ["closed"]:
            statement = statement.where(Report.status.in_(CLOSED_STATES))
    statement = statement.order_by(Report.created_at.desc(), Report.id.desc()).limit(MAX_RESULTS)
    return [Found(*row) for row in db.session.execute(statement)]


def find_one(service_request_id: str) -> Found:
    row = db.session.execute(_published().where(Report.tracking_no == service_request_id)).first()
    if row is None:
        raise NotFound(f"service_request_id: no request {service_request_id}")
    return Found(*row)


def _names(model, codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    rows = db.session.execute(select(model.code, model.name).where(model.code.in_(codes)))
    return dict(rows.tuples().all())


def _area_codes(path: str | None) -> list[str]:
    return [code for code in (path or "").split("/") if code]


class Lookups:
    """Everything the page of reports needs besides the reports, in one query each."""

    def __init__(self, reports: list[Report]):
        ids = [r.id for r in reports]
        self.categories = _names(Category, (r.category_code for r in reports))
        self.units = _names(Unit, (r.unit_code for r in reports))
        self.areas = _names(Area, (c for r in reports for c in _area_codes(r.area_path)))
        self.events: dict[int, list[ReportEvent]] = defaultdict(list)
        self.people: dict[int, list[str]] = defaultdict(list)
        self.survivors: dict[int, str] = {}
        if not ids:
            return
        for event in db.session.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id.in_(ids), ReportEvent.public.is_(True))
            .order_by(ReportEvent.id)
        ):
            self.events[event.report_id].append(event)
        for report_id, name in db.session.execute(
            select(ReportParty.report_id, ReportParty.name).where(ReportParty.report_id.in_(ids))
        ):
            self.people[report_id].append(name)
        merged_into = {r.duplicate_of for r in reports if r.status == "merged" and r.duplicate_of}
        if merged_into:
            self.survivors = dict(
                db.session.execute(
                    select(Report.id, Report.tracking_no).where(
                        Report.id.in_(merged_into), Report.do_not_publish.is_(False)
                    )
                )
                .tuples()
                .all()
            )


def status_notes(report: Report, lookups: Lookups) -> str:
    """The latest public step in plain words; a merged report names the one it joined."""
    if report.status == "merged":
        survivor = lookups.survivors.get(report.duplicate_of or 0)
        return f"与同一事项合并办理，见 {survivor}" if survivor else NOTES["merge"]
    if report.status == "rejected":
        return NOTES["reject"]
    notes = [NOTES[e.action] for e in lookups.events.get(report.id, []) if e.action in NOTES]
    note = notes[-1] if notes else NOTES["created"]
    outcome = OUTCOME_TEXT.get(report.outcome or "")
    if outcome and report.status in ("resolved", "closed", "archived"):
        note = f"{note}（{outcome}）"
    return note


def public_description(report: Report, people: list[str]) -> str:
    if report.anonymised_at is not None:
        return WITHHELD
    return redact_text(report.description, people)


def public_request(found: Found, lookups: Lookups, decimals: int, notice: str) -> dict:
    """One report as GeoReport's `request`, with nothing personal in it."""
    report = found.report
    lon, lat = (
        public_position(found.lon, found.lat, decimals)
        if found.lon is not None and found.lat is not None
        else (None, None)
    )
    people = [report.reporter_name or "", *lookups.people.get(report.id, [])]
    is_open = open311_status(report.status) == "open"
    return {
        "service_request_id": report.tracking_no,
        "status": open311_status(report.status),
        "status_notes": status_notes(report, lookups),
        "service_name": lookups.categories.get(report.category_code or "", "未分类"),
        "service_code": report.category_code or "",
        "description": public_description(report, people),
        "agency_responsible": lookups.units.get(report.unit_code or "", ""),
        "service_notice": notice if is_open else "",
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(report.updated_at),
        "expected_datetime": _iso(report.due_at) if is_open else None,
        "address": "".join(lookups.areas.get(c, "") for c in _area_codes(report.area_path)),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": None,
    }


def public_requests(found: list[Found]) -> list[dict]:
    lookups = Lookups([f.report for f in found])
    decimals = int(current_app.config["PUBLIC_POSITION_DECIMALS"])
    notice = current_app.config["OPEN311_SERVICE_NOTICE"]
    return [public_request(f, lookups, decimals, notice) for f in found]
