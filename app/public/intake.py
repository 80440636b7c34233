"""A resident's report from a scanned code or a phone position: checks first, then the intake path.

Everything a resident can get wrong is checked before anything is stored, and every problem
comes back at once with an English and a Chinese message, so the page can show each next to
its field and keep what was typed.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.areas.locate import wgs84_point
from app.categories.service import active_category
from app.core.coords import haversine_m
from app.core.errors import Invalid
from app.core.idempotency import PUBLIC, Done, Keyed, fingerprint, key_conflict, run_once
from app.core.privacy import normalise_mobile
from app.core.spatial import point
from app.extensions import db
from app.photos.processing import MAX_PIXELS, PhotoRejected, ProcessedPhoto, process_photo
from app.photos.service import attach_photo
from app.public.errors import field_errors_zh
from app.qr_sites.service import PosterSite, count_report, resolve_for_report
from app.reports.intake import NewReport, create_report
from app.reports.models import Report
from app.reports.tracking_keys import derived_tracking_key
from app.reports.uuid_keys import held_by_report
from app.triage.suggestions import client_key_for

CHANNEL = "qr_scan"
MAX_PHOTOS = 3
MAX_DESCRIPTION = 2000
CLIENT_UUID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass
class PhotoUpload:
    data: bytes
    filename: str = ""


@dataclass
class Submission:
    description: str
    site_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    coord_sys: str = "wgs84"
    accuracy_m: float | None = None
    category_code: str | None = None
    contact_phone: str | None = None
    client_uuid: str | None = None
    photos: list[PhotoUpload] = field(default_factory=list)
    # The hidden form field people never see; bots fill in every field they find.
    honeypot: str = ""
    # The sender's network address: only its keyed hash is kept, for the flooding rule.
    client_address: str | None = None


@dataclass
class Filed:
    report: Report
    tracking_key: str
    replayed: bool = False
    # Read before the commit (which expires the report), so the answer needs no reload.
    tracking_no: str = ""
    status: str = ""

    def __post_init__(self):
        self.tracking_no = self.tracking_no or self.report.tracking_no
        self.status = self.status or self.report.status


class Dropped(Exception):
    """The honeypot was filled in: a bot. Nothing is stored."""


class SubmissionRejected(Invalid):
    """Every problem with a submission at once; `errors["fields_zh"]` has the Chinese words."""


class Problems:
    def __init__(self, location: str):
        self.location = location
        self.fields: dict[str, list[str]] = {}
        self.photos: list[str] = []
        self.chinese: dict[str, list[str]] = {}
        self.statuses: set[int] = set()

    def add(self, name: str, english: str, chinese: str) -> None:
        self.fields.setdefault(name, []).append(english)
        self.chinese.setdefault(name, []).append(chinese)
        self.statuses.add(422)

    def add_photo(self, error: PhotoRejected, filename: str) -> None:
        self.photos.append(error.message)
        named = f"{filename}：" if filename else ""
        self.chinese.setdefault("photos", []).append(named + error.message_zh)
        self.statuses.add(error.status)

    def raise_if_any(self) -> None:
        if not self.fields and not self.photos:
            return
        errors: dict = {}
        if self.fields:
            errors[self.location] = self.fields
        if self.photos:
            errors["files"] = {"photos": self.photos}
        errors.update(field_errors_zh(self.chinese))
        names = [*self.fields, *(["photos"] if self.photos else [])]
        rejected = SubmissionRejected(f"please correct: {', '.join(names)}", errors)
        # 413 only when every problem is a file that is too big; anything else is a 422.
        rejected.status_code = 413 if self.statuses == {413} else 422
        raise rejected


def text_problem(text: str, max_length: int) -> tuple[str, str] | None:
    """(English, Chinese) reason why `text` is not a usable description or answer, or None."""
    if not text:
        return "must not be empty", "请填写内容"
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        return (
            "must say something in words, not only spaces, punctuation or symbols",
            "请用文字描述，不能只有标点或符号",
        )
    if len(text) > max_length:
        return f"at most {max_length} characters", f"请不要超过 {max_length} 字"
    return None


TRACKING_KEY_LABEL = b"jiefen/tracking-key/v1:"


def tracking_key_for(client_uuid: str) -> str:
    """The key a retried submission gets back: derived, so the same form sent twice is one case."""
    return derived_tracking_key(TRACKING_KEY_LABEL, client_uuid)


def _checked_position(sub: Submission, problems: Problems) -> tuple[float, float] | None:
    if sub.lon is None and sub.lat is None:
        return None
    if sub.lon is None or sub.lat is None:
        problems.add("location", "give both lon and lat", "位置信息不完整")
        return None
    if not (-180 <= sub.lon <= 180 and -90 <= sub.lat <= 90):
        problems.add("location", "lon or lat out of range", "位置信息有误")
        return None
    if sub.accuracy_m is not None and sub.accuracy_m < 0:
        problems.add("accuracy_m", "must not be negative", "位置精度有误")
    return wgs84_point(sub.lon, sub.lat, sub.coord_sys)


def _checked_photos(sub: Submission, problems: Problems) -> list[ProcessedPhoto]:
    if len(sub.photos) > MAX_PHOTOS:
        problems.add("photos", f"at most {MAX_PHOTOS} photos", f"最多上传 {MAX_PHOTOS} 张照片")
        return []
    processed = []
    # All the photos of one request together may cost this many decoded pixels: three
    # 39-megapixel PNGs (340 KB on the wire) would otherwise hold a worker for seconds.
    budget = int(current_app.config["PHOTO_PIXELS_PER_REQUEST"])
    for photo in sub.photos:
        try:
            done = process_photo(photo.data, photo.filename, max_pixels=min(MAX_PIXELS, budget))
        except PhotoRejected as error:
            problems.add_photo(error, photo.filename)
            continue
        budget = max(0, budget - done.source_pixels)
        processed.append(done)
    return processed


def _check(sub: Submission, site: PosterSite | None, location: str) -> tuple:
    problems = Problems(location)
    description = (sub.description or "").strip()
    problem = text_problem(description, MAX_DESCRIPTION)
    if problem:
        chinese = "请描述发生了什么" if not description else problem[1]
        problems.add("description", problem[0], chinese)
    phone = None
    if (sub.contact_phone or "").strip():
        phone = normalise_mobile(sub.contact_phone)
        if phone is None:
            problems.add(
                "contact_phone",
                "must be a mainland mobile number: 11 digits starting 13-19",
                "手机号格式不对，请填写 11 位手机号",
            )
    if sub.category_code:
        try:
            active_category(sub.category_code)
        except Invalid:
            problems.add("category_code", "unknown or retired category", "请从列表中选择类别")
    if sub.client_uuid and not CLIENT_UUID.match(sub.client_uuid):
        problems.add(
            "client_uuid", "16 to 64 letters, digits, - or _", "提交编号有误，请刷新页面后重试"
        )
    position = _checked_position(sub, problems)
    photos = _checked_photos(sub, problems)
    exif = next(((p.exif_lon, p.exif_lat) for p in photos if p.exif_lon is not None), None)
    if site is None and position is None and exif is None and not problems.fields.get("location"):
        problems.add(
            "site_code",
            "give the scanned site_code or a position (lon, lat)",
            "请扫描现场的二维码，或允许获取位置",
        )
    problems.raise_if_any()
    return description, phone, position, exif, photos


def file_report(sub: Submission, location: str = "json", keyed: Keyed | None = None) -> Filed:
    """Check everything, then store the report (and its photos) in `received`; no commit.
    `keyed`: the submission's retry key, which the report keeps (app.reports.uuid_keys)."""
    if (sub.honeypot or "").strip():
        raise Dropped
    site = resolve_for_report(sub.site_code) if (sub.site_code or "").strip() else None
    description, phone, position, exif, processed = _check(sub, site, location)

    if site is not None:
        lon, lat = site.lon, site.lat
        source, accuracy = "qr_site", None
    elif position is not None:
        (lon, lat), source, accuracy = position, "device", sub.accuracy_m
    else:
        (lon, lat), source, accuracy = exif, "photo_exif", None
    distance = haversine_m(lon, lat, *position) if site is not None and position else None
    distance = round(distance, 1) if distance is not None else None
    far = distance is not None and distance > current_app.config["QR_FAR_FROM_SITE_METERS"]
    columns = {"qr_site_id": site.id if site else None}
    if position is not None:
        columns.update(
            device_location=point(*position),
            device_accuracy_m=sub.accuracy_m,
            device_distance_m=distance,
            far_from_site=far if site is not None else None,
        )

    created = create_report(
        NewReport(
            description,
            CHANNEL,
            lon,
            lat,
            "wgs84",
            location_source=source,
            accuracy_m=accuracy,
            category_code=sub.category_code or None,
            reporter_phone=phone,
            client_uuid=sub.client_uuid or None,
            # The cleaner sees these on the created event of the timeline.
            payload={
                "qr_site_id": site.id if site else None,
                "far_from_site": far,
                "device_distance_m": distance,
                "client_key": client_key_for(sub.client_address),
            },
            columns=columns,
            tracking_key=tracking_key_for(sub.client_uuid) if sub.client_uuid else None,
            request_fingerprint=keyed.fingerprint if keyed else None,
        )
    )
    report, tracking_key = created.report, created.tracking_key
    for photo, done in zip(sub.photos, processed, strict=True):
        attach_photo(report, photo.data, photo.filename, processed=done)
    if site is not None:
        count_report(site)
    return Filed(report, tracking_key)


def _keyed(sub: Submission) -> Keyed | None:
    """The retry key of a submission: its client_uuid, with what makes it the same request.

    Positions are left out: a phone sending the form again may have a fresher fix."""
    if not sub.client_uuid or not CLIENT_UUID.match(sub.client_uuid):
        return None
    request = {
        "description": (sub.description or "").strip(),
        "site_code": (sub.site_code or "").strip(),
        "category_code": sub.category_code or None,
        "contact_phone": (sub.contact_phone or "").strip(),
        "photos": [hashlib.sha256(p.data).hexdigest() for p in sub.photos],
    }
    return Keyed(PUBLIC, sub.client_uuid, fingerprint("POST", CHANNEL, request), "client_uuid")


def file_and_commit(sub: Submission, location: str = "json") -> Filed:
    """The transaction of both the API and the page: one commit, or the report filed before.

    A retried form (same client_uuid, same content) is answered with the report it filed,
    through the one retry mechanism (app.core.idempotency): recognised when its insert meets
    the unique key, not by a look-up before every report. One that fails a check now is still
    answered with the report it filed before.
    """
    keyed = _keyed(sub)
    filed: list[Filed] = []

    def write() -> Done:
        filed.append(file_report(sub, location, keyed))
        db.session.flush()
        return Done(201, "report", filed[-1].report.id)

    try:
        outcome = run_once(keyed, write, alone=True, held=held_by_report)
    except IntegrityError as error:
        if keyed is None:
            raise
        # The client_uuid is on a report that is not this resident's to replay (a staff
        # filing's, or one whose record is gone).
        db.session.rollback()
        raise key_conflict("client_uuid") from error
    if not outcome.replayed:
        db.session.commit()
        return filed[-1]
    report = db.session.get(Report, outcome.resource_id)
    return Filed(report, tracking_key_for(sub.client_uuid), replayed=True)
