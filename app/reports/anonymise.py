"""Erasing everything that identifies a person from one case.

What stays is what the statistics need: the area and routing, the category and risk, the
dates and deadlines, the status, outcome and satisfaction, the channel, and the position
(a place, not a person). What goes: the reporter's and every party's name and phone, the
description and every free text on the timeline (answers, questions, notes, comments),
photos (files and rows), the device position, the pre-sort reasons quoting the text, the
webhook bodies about the case, what an Open311 client sent about its user (e-mail, account
and device ids, the typed address, the media link) and the address it posted from, and the
kept answers of retry-safe writes from before the cut-off (they hold phones and tracking keys).
"""

import re
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from app.core.idempotency import IdempotencyRecord
from app.extensions import db
from app.photos.models import Photo
from app.reports.models import Report, ReportEvent, ReportParty

ERASED_TEXT = "（已匿名）"
ERASED_NAME = "已匿名"
# JSON keys whose values are personal or free text anyone may have typed a name into.
PERSONAL_KEYS = frozenset(
    {
        "reporter_name", "reporter_phone", "name", "phone", "contact_phone", "display_name",
        "description", "reason", "comment", "answer", "question", "note", "resolution_note",
        "tracking_key", "tracking_url", "device_location", "exif_lon", "exif_lat",
        "client_ip", "email", "account_id", "device_id", "address_string", "media_url",
    }
)  # fmt: skip
PHONE_LIKE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")


def scrub(value: Any) -> Any:
    """A JSON value with personal keys emptied and phone numbers struck out of other text."""
    if isinstance(value, dict):
        return {k: (None if k in PERSONAL_KEYS else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return PHONE_LIKE.sub("***********", value)
    return value


def erase_personal_data(report: Report) -> list[str]:
    """Erase what identifies a person from `report` and its rows; the fields that held any."""
    from app.open311.models import Open311Request
    from app.photos.service import storage
    from app.triage.models import ReportSuggestion
    from app.webhooks.models import OutboxEvent

    cleared = [f for f in ("reporter_name", "reporter_phone", "description") if getattr(report, f)]
    report.reporter_name = report.reporter_phone = None
    report.description = ERASED_TEXT
    report.resolution_note = None
    report.device_location = None
    # A keyed hash of the request, phone included: kept for retries, which come days late at most.
    report.request_fingerprint = None
    for party in db.session.scalars(select(ReportParty).where(ReportParty.report_id == report.id)):
        party.name, party.phone = ERASED_NAME, None
        cleared.append("parties")
    for event in db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)):
        event.reason = None
        event.payload = scrub(event.payload or {})
    photos = list(db.session.scalars(select(Photo).where(Photo.report_id == report.id)))
    for photo in photos:
        for key in (photo.storage_key, photo.thumb_key):
            storage().delete(key)
        db.session.delete(photo)
    if photos:
        cleared.append("photos")
    db.session.execute(delete(ReportSuggestion).where(ReportSuggestion.report_id == report.id))
    for row in db.session.scalars(select(OutboxEvent).where(OutboxEvent.report_id == report.id)):
        row.payload = scrub(row.payload)
    request = db.session.get(Open311Request, report.id)
    if request is not None:
        personal = ("email", "account_id", "device_id", "address_string", "media_url")
        if any(getattr(request, f) for f in personal):
            cleared.append("open311_request")
        for name in personal:
            setattr(request, name, None)
    return sorted(set(cleared))


def forget_kept_answers(before: datetime) -> None:
    """Retry records older than the cut-off: no retry comes a year late (they hold no personal
    data, only what was made; `flask idempotency purge` clears them sooner)."""
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= before))
