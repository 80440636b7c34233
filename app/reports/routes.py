"""Reports for staff on phones and desks: file, sync offline batches, photos, list and read."""

import hashlib
import json

from flask import Response, jsonify, request

from app.core.auth import current_user
from app.core.database import commit_answered
from app.core.idempotency import (
    HEADER,
    REPLAYED_HEADER_DOC,
    IdempotencyHeaderSchema,
    Outcome,
    fingerprints,
    replayed_headers,
)
from app.core.pagination import page_by_id, page_schema
from app.core.plain_dump import json_response
from app.extensions import Blueprint, db
from app.lifecycle.policy import report_for
from app.photos.models import Photo
from app.reports import evidence, filing
from app.reports.queries import page_order, staff_reports
from app.reports.schemas import (
    ConditionalHeaders,
    PhotoArgs,
    PhotoSchema,
    PhotoUploadSchema,
    ReportCreatedSchema,
    ReportDetailSchema,
    ReportFilterArgs,
    ReportInSchema,
    ReportSchema,
    SyncRequestSchema,
    SyncResponseSchema,
)

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="Staff reports: filing from phones (retry-safe), offline sync, photos, lists",
)

ReportPage = page_schema(ReportSchema, "ReportPage")
ETAG_HEADER = {
    "ETag": {
        "description": "Send it back as If-None-Match to get a 304 while nothing changed",
        "schema": {"type": "string"},
    }
}
REPLAYED_HEADER = REPLAYED_HEADER_DOC


def _weak_etag(*parts) -> str:
    """Weak: it describes what the answer says (ids and versions), not its exact bytes."""
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def _not_modified(etag: str) -> Response | None:
    if not request.if_none_match.contains_weak(etag):
        return None
    response = Response(status=304)
    response.set_etag(etag, weak=True)
    return response


def _answer(outcome: Outcome, body: dict) -> Response:
    response = jsonify(body)
    response.status_code = outcome.status
    response.headers.update(replayed_headers(outcome))
    return response


@blp.post("")
@blp.staff()
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(ReportInSchema)
@blp.response(201, ReportCreatedSchema, headers=REPLAYED_HEADER)
def file_report(headers, args):
    """File a report; an Idempotency-Key header or client_uuid makes retries file it once."""
    key, field = (
        (headers["key"], HEADER) if headers["key"] else (args["client_uuid"], "client_uuid")
    )
    current = request._get_current_object()
    request_print, earlier_print = fingerprints(
        current.method, current.path, current.get_json(silent=True)
    )
    outcome, answer = filing.file_report(
        args,
        current_user(),
        key=key,
        key_field=field,
        request_print=request_print,
        earlier_print=earlier_print,
    )
    commit_answered(db.session)
    return _answer(outcome, answer)


@blp.post("/sync")
@blp.staff()
@blp.arguments(SyncRequestSchema)
@blp.response(200, SyncResponseSchema)
def sync_reports(args):
    """Store up to 100 reports collected offline; each item is created, existed or rejected."""
    results = filing.sync_batch(args["reports"], current_user())
    commit_answered(db.session)
    counts = {kind: sum(r["result"] == kind for r in results) for kind in ("created", "existed")}
    return {**counts, "rejected": len(results) - sum(counts.values()), "results": results}


@blp.get("")
@blp.staff()
@blp.arguments(ReportFilterArgs, location="query")
@blp.arguments(ConditionalHeaders, location="headers")
@blp.response(200, ReportPage, headers=ETAG_HEADER)
@blp.alt_response(304, description="Not modified: the page is the same as your ETag says")
def list_reports(args, _conditional):
    """Reports in the caller's areas, newest first, with filters; poll cheaply with ETags."""
    user = current_user()
    limit, cursor = args.pop("limit"), args.pop("cursor")
    query = staff_reports(user, **args)
    items, next_cursor = page_by_id(query, page_order(user), limit, cursor)
    etag = _weak_etag(user.id, [(r.id, r.version) for r in items], next_cursor)
    unchanged = _not_modified(etag)
    if unchanged is not None:
        return unchanged
    page = json_response(ReportPage, {"items": items, "next_cursor": next_cursor})
    return page, 200, {"ETag": f'W/"{etag}"'}


@blp.get("/<int:report_id>")
@blp.staff()
@blp.arguments(ConditionalHeaders, location="headers")
@blp.response(200, ReportDetailSchema, headers=ETAG_HEADER)
@blp.alt_response(304, description="Not modified: the report is the same as your ETag says")
def get_report(_conditional, report_id: int):
    """One report with its parties, photos and timeline."""
    user = current_user()
    report = report_for(user, report_id)
    etag = _weak_etag(
        user.id,
        report.id,
        report.version,
        [e.id for e in report.events],
        [p.id for p in report.photos],
    )
    unchanged = _not_modified(etag)
    if unchanged is not None:
        return unchanged
    return report, 200, {"ETag": f'W/"{etag}"'}


@blp.post("/<int:report_id>/photos")
@blp.staff()
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, PhotoSchema, headers=REPLAYED_HEADER)
@blp.alt_response(200, schema=PhotoSchema, description="Already stored under this key")
def upload_photo(headers, args, report_id: int):
    """Add one photo (multipart field `photos`); client_uuid makes a retry store it once."""
    user = current_user()
    report = report_for(user, report_id)
    key, field = (
        (args["client_uuid"], "client_uuid") if args["client_uuid"] else (headers["key"], HEADER)
    )
    outcome = evidence.add_photo_once(report, args["photos"], key=key, field=field, user=user)
    db.session.commit()
    # A retry answers 200 with the photo stored the first time.
    photo = db.session.get(Photo, outcome.resource_id)
    return photo, 200 if outcome.replayed else 201, replayed_headers(outcome)


@blp.get("/<int:report_id>/photos/<int:photo_id>")
@blp.staff()
@blp.arguments(PhotoArgs, location="query")
@blp.arguments(ConditionalHeaders, location="headers")
@blp.response(
    200, {"type": "string", "format": "binary"}, content_type="image/jpeg", headers=ETAG_HEADER
)
@blp.alt_response(304, description="Not modified: you have this photo already")
def get_photo(args, _conditional, report_id: int, photo_id: int):
    """The stored photo as JPEG (EXIF removed); ?thumb=1 for the thumbnail."""
    report = report_for(current_user(), report_id)
    data = evidence.photo_bytes(report, photo_id, thumb=args["thumb"])
    response = Response(data, mimetype="image/jpeg")
    # Stored photos never change, so a phone may keep them; private: they are personal data.
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.set_etag(f"photo-{photo_id}-{'thumb' if args['thumb'] else 'full'}")
    return response.make_conditional(request)
