"""Before a resident files twice: the open report at the same place that says the same thing.

The match comes from the cleaner's own duplicate finder (app.triage.suggestions), asked about
a report not yet filed; only a very close one is shown, and only its public summary. A
resident who follows it is counted on that case, so the cleaner sees how many people it affects.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from app.categories.models import Category
from app.core.clock import now
from app.core.privacy import normalise_mobile
from app.core.spatial import point
from app.extensions import db
from app.public.case_view import STATUS_TEXT
from app.qr_sites.models import QrSite
from app.qr_sites.service import site_lon_lat
from app.reports.events import record_event
from app.reports.models import Report, ReportEvent
from app.triage.suggestions import SURVIVOR_STATES, find_duplicates

log = logging.getLogger(__name__)
FOLLOWED = "resident_followed"
SUMMARY_CHARS = 40
# Long digit runs in a description may be someone's phone or ID number: never shown.
_DIGITS = re.compile(r"\d{5,}")


@dataclass(frozen=True)
class Hint:
    report_id: int
    token: str
    status_text: str
    category_name: str | None
    created_at: datetime
    summary: str
    followers: int


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="jiefen.follow")


def follow_token(report_id: int) -> str:
    return _serializer().dumps(report_id)


def report_for_token(token: str) -> Report | None:
    try:
        report_id = _serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(Report, report_id) if isinstance(report_id, int) else None


def public_summary(description: str) -> str:
    text = _DIGITS.sub("……", " ".join((description or "").split()))
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS] + "……"


def similar_open_report(
    site: QrSite, description: str, category_code: str | None = None, phone: str | None = None
) -> Hint | None:
    """The best open match at this site (or within the duplicate radius), if it is very close.

    A question must never cost a resident their report: if looking fails, nothing is asked.
    """
    if len((description or "").strip()) < 4:
        return None
    try:
        with db.session.begin_nested():
            return _best_match(site, description, category_code, phone)
    except Exception:
        log.exception("the duplicate hint failed at site %s; the report is filed unasked", site.id)
        return None


def _best_match(
    site: QrSite, description: str, category_code: str | None, phone: str | None
) -> Hint | None:
    lon, lat = site_lon_lat(site)
    draft = Report(
        description=description,
        location=point(lon, lat),
        qr_site_id=site.id,
        reporter_phone=normalise_mobile(phone or ""),
        category_code=category_code,
        created_at=now(),
    )
    minimum = float(current_app.config["DUPLICATE_HINT_MIN_SCORE"])
    for candidate in find_duplicates(draft, category_code):
        if candidate.score < minimum:
            break
        report = db.session.get(Report, candidate.report_id)
        if report is None or report.status not in SURVIVOR_STATES:
            continue
        category = db.session.get(Category, report.category_code) if report.category_code else None
        return Hint(
            report_id=report.id,
            token=follow_token(report.id),
            status_text=STATUS_TEXT.get(report.status, report.status),
            category_name=category.name if category else None,
            created_at=report.created_at,
            summary=public_summary(report.description),
            followers=residents_following([report.id]).get(report.id, 0),
        )
    return None


def follow(report: Report) -> None:
    """A resident says "the same matter": counted on the case, in the caller's transaction."""
    record_event(report, FOLLOWED, payload={"channel": "qr_scan"})


def residents_following(report_ids: list[int]) -> dict[int, int]:
    """Other residents on each case: those who followed it and the reports merged into it."""
    if not report_ids:
        return {}
    counts: dict[int, int] = {}
    followed = db.session.execute(
        select(ReportEvent.report_id, func.count(ReportEvent.id))
        .where(ReportEvent.report_id.in_(report_ids), ReportEvent.action == FOLLOWED)
        .group_by(ReportEvent.report_id)
    )
    merged = db.session.execute(
        select(Report.duplicate_of, func.count(Report.id))
        .where(Report.duplicate_of.in_(report_ids))
        .group_by(Report.duplicate_of)
    )
    for report_id, count in (*followed, *merged):
        counts[report_id] = counts.get(report_id, 0) + int(count)
    return counts
