"""Attaching a photo to a report: the same checks and processing for every channel."""

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.core.errors import DomainError, Invalid, TooLarge
from app.extensions import db
from app.photos.models import Photo
from app.photos.processing import PhotoRejected, ProcessedPhoto, process_photo
from app.photos.storage import DirectoryStorage, PhotoStorage, new_photo_key
from app.reports.events import record_event
from app.reports.models import Report

MAX_PHOTOS_PER_REPORT = 9


def storage() -> PhotoStorage:
    """The configured store (a directory today; an object store would implement the same)."""
    root = current_app.config.get("PHOTO_STORAGE_DIR") or f"{current_app.instance_path}/photos"
    return DirectoryStorage(root)


def rejection_error(error: PhotoRejected, field: str = "photos") -> DomainError:
    """One clear 413/422 per bad file, in the smorest error shape, with the Chinese message."""
    cls = TooLarge if error.status == 413 else Invalid
    return cls(
        f"{field}: {error.message}",
        {
            "files": {field: [error.message]},
            "reason": error.reason_code,
            "message_zh": error.message_zh,
        },
    )


def attach_photo(
    report: Report,
    data: bytes,
    filename: str = "",
    *,
    client_uuid: str | None = None,
    uploaded_by: User | None = None,
    processed: ProcessedPhoto | None = None,
) -> tuple[Photo, bool]:
    """Check, strip and store a photo: (photo, created). A repeated client_uuid changes nothing.

    `processed`: the result of process_photo(data) when the caller checked it already (a
    decode costs seconds on a large photo; it is done once per upload).
    """
    if client_uuid:
        existing = db.session.scalars(select(Photo).where(Photo.client_uuid == client_uuid)).first()
        if existing is not None:
            if existing.report_id != report.id:
                raise Invalid.field("client_uuid", "already used for another report's photo")
            return existing, False
    count = db.session.scalar(select(db.func.count(Photo.id)).where(Photo.report_id == report.id))
    if count >= MAX_PHOTOS_PER_REPORT:
        raise Invalid.field("photos", f"a report has at most {MAX_PHOTOS_PER_REPORT} photos")
    try:
        processed = processed or process_photo(data, filename)
    except PhotoRejected as error:
        raise rejection_error(error) from error
    store = storage()
    key = new_photo_key(processed.sha256, "full")
    thumb_key = key.replace("-full.jpg", "-thumb.jpg")
    store.save(key, processed.image_bytes, "image/jpeg")
    store.save(thumb_key, processed.thumb_bytes, "image/jpeg")
    photo = Photo(
        report_id=report.id,
        client_uuid=client_uuid,
        storage_key=key,
        thumb_key=thumb_key,
        content_type="image/jpeg",
        width=processed.width,
        height=processed.height,
        sha256=processed.sha256,
        exif_lon=processed.exif_lon,
        exif_lat=processed.exif_lat,
        uploaded_by_user_id=uploaded_by.id if uploaded_by else None,
    )
    db.session.add(photo)
    db.session.flush()
    db.session.expire(report, ["photos"])  # the list read before (if any) lacks this one
    record_event(report, "photo_added", actor=uploaded_by, payload={"photo_id": photo.id})
    return photo, True
