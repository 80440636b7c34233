"""Photos staff add to a report they can see: idempotent uploads and the stored JPEGs."""

import hashlib
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.core.errors import Conflict, Invalid, NotFound
from app.core.idempotency import Done, Keyed, Outcome, fingerprint, run_once, user_scope
from app.extensions import db
from app.photos.models import Photo
from app.photos.processing import MAX_BYTES
from app.photos.service import attach_photo, storage
from app.reports.models import Report

log = logging.getLogger(__name__)


def add_photo(
    report: Report, upload: FileStorage, *, client_uuid: str | None, user: User
) -> tuple[Photo, bool]:
    """(photo, created). The same client_uuid again, even concurrently, gives the first photo."""
    status = report.status
    if status == "archived":
        raise Conflict(f"report {report.id} is archived; photos can no longer be added")
    if status == "merged":
        raise Conflict(
            f"report {report.id} was merged into report {report.duplicate_of}; add photos there"
        )
    # One byte more than the limit is enough for attach_photo to refuse it as too large.
    data = upload.stream.read(MAX_BYTES + 1)
    try:
        with db.session.begin_nested():
            return attach_photo(
                report, data, upload.filename or "", client_uuid=client_uuid, uploaded_by=user
            )
    except IntegrityError:
        # A concurrent upload with this client_uuid committed first; its photo is the answer.
        # (Our copy's files stay behind in storage: the row that would name them is gone.)
        existing = db.session.scalars(select(Photo).where(Photo.client_uuid == client_uuid)).first()
        if client_uuid is None or existing is None:
            raise
        if existing.report_id != report.id:
            raise Invalid.field("client_uuid", "already used for another report's photo") from None
        return existing, False


def add_photo_once(
    report: Report, upload: FileStorage, *, key: str | None, field: str, user: User
) -> Outcome:
    """add_photo through the one retry mechanism: the same key and file again is a replay."""
    keyed = None
    if key:
        digest = hashlib.sha256(upload.stream.read()).hexdigest()
        upload.stream.seek(0)
        print_ = fingerprint("POST", f"/api/v1/reports/{report.id}/photos", digest)
        keyed = Keyed(user_scope(user.id), key, print_, field)

    def write() -> Done:
        photo, created = add_photo(report, upload, client_uuid=key, user=user)
        # Created False: stored under this client_uuid before records were kept; a replay too.
        return Done(201 if created else 200, "photo", photo.id)

    outcome = run_once(keyed, write)
    return Outcome(outcome.done, outcome.replayed or outcome.status == 200)


def photo_bytes(report: Report, photo_id: int, *, thumb: bool) -> bytes:
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.report_id != report.id:
        raise NotFound(f"report {report.id} has no photo {photo_id}")
    key = photo.thumb_key if thumb else photo.storage_key
    try:
        return storage().open(key)
    except FileNotFoundError:
        log.error("photo %s of report %s is missing from storage (%s)", photo_id, report.id, key)
        raise NotFound(f"the file of photo {photo_id} is missing; upload it again") from None
