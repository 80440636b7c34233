"""POST requests: a GeoReport service request checked, then filed through the one intake path."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.areas.locate import locate
from app.areas.models import Area
from app.categories.models import Category
from app.core.clock import now
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.privacy import normalise_mobile
from app.extensions import db
from app.open311.definitions import check_answers
from app.open311.models import Open311Key, Open311Request
from app.reports.intake import NewReport, create_report
from app.reports.models import Report

CHANNEL = "open311"
MAX_DESCRIPTION = 2000
USED_EVERY = timedelta(minutes=1)
LIMITS = {
    "first_name": 30, "last_name": 30, "email": 200, "device_id": 100, "account_id": 100,
    "address_string": 500, "media_url": 1000, "phone": 30, "jurisdiction_id": 32,
    "service_code": 40, "lat": 40, "long": 40,
}  # fmt: skip


@dataclass
class Filed:
    report: Report
    request: Open311Request
    # Read before the commit expires the report, so the answer needs no reload.
    tracking_no: str


def bad(field: str, message: str) -> Invalid:
    return Invalid.field(field, message, "form")


def check_text(form: MultiDict) -> None:
    """No NUL or other control characters (tabs and newlines aside) in any field, nor overlong."""
    for name, value in form.items(multi=True):
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value) or "\x7f" in value:
            raise bad(name, "must not contain control characters")
        limit = MAX_DESCRIPTION if name == "description" else LIMITS.get(name, 2000)
        if len(value) > limit:
            raise bad(name, f"must be at most {limit} characters")


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    """Optional (this endpoint serves one jurisdiction); when sent, a district's code."""
    if not jurisdiction_id:
        return
    found = db.session.scalars(
        select(Area.id).where(Area.code == jurisdiction_id, Area.parent_id.is_(None))
    ).first()
    if found is None:
        raise NotFound(f"jurisdiction_id: no jurisdiction {jurisdiction_id} here")


def service(service_code: str | None) -> Category:
    if not service_code:
        raise bad("service_code", "is required")
    category = db.session.get(Category, service_code)
    if category is None or not category.active:
        raise NotFound(f"service_code: no service {service_code}")
    return category


def answers_of(form: MultiDict) -> dict[str, list[str]]:
    """attribute[code]=v, and attribute[code][]=v for each value of a multivaluelist."""
    answers: dict[str, list[str]] = {}
    for name, value in form.items(multi=True):
        if not (name.startswith("attribute[") and name.endswith("]")):
            continue
        code = name[len("attribute[") :].removesuffix("[]").removesuffix("]")
        answers.setdefault(code, []).append(value)
    return answers


def _coordinate(form: MultiDict, name: str) -> float:
    try:
        return float(form[name])
    except ValueError as error:
        raise bad(name, "must be a number (WGS84 degrees)") from error


def position(form: MultiDict) -> tuple[float, float] | None:
    has_lat, has_long = bool(form.get("lat", "").strip()), bool(form.get("long", "").strip())
    if has_lat != has_long:
        raise bad("lat" if not has_lat else "long", "lat and long come together")
    if not has_lat:
        if not form.get("address_string", "").strip():
            message = "a location is required: lat and long, or address_string"
            raise bad("address_string" if not form.get("address_id") else "address_id", message)
        return None
    return _coordinate(form, "long"), _coordinate(form, "lat")


def check_place(key: Open311Key, lon: float, lat: float) -> None:
    """Inside the area we serve (or close enough to snap), and inside the key's scope."""
    located = locate(lon, lat)
    if not located.in_coverage:
        raise bad("lat", "the position (lat, long) is outside the area this service covers")
    if key.area_code and key.area_code not in {area.code for area in located.chain}:
        raise Forbidden(f"this api_key may only file reports inside area {key.area_code}")


def contact(form: MultiDict) -> tuple[str | None, str | None]:
    """The reporter's name (surname first, as in Chinese) and mobile number, normalised."""
    name = "".join(form.get(f, "").strip() for f in ("last_name", "first_name")) or None
    raw_phone = form.get("phone", "").strip()
    phone = normalise_mobile(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        raise bad("phone", "must be a mainland mobile number, e.g. 13812345678")
    email = form.get("email", "").strip()
    if email and ("@" not in email or " " in email):
        raise bad("email", "is not an e-mail address")
    return name, phone


def _media_url(form: MultiDict) -> str | None:
    url = form.get("media_url", "").strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise bad("media_url", "must be an http or https URL")
    return url or None


def file_request(key: Open311Key, form: MultiDict, client_ip: str | None) -> Filed:
    """Everything checked before anything is stored; then the report as every channel files it."""
    check_text(form)
    check_jurisdiction(form.get("jurisdiction_id"))
    category = service(form.get("service_code"))
    where = position(form)
    if where is not None:
        check_place(key, *where)
    answers = check_answers(category.code, answers_of(form))
    name, phone = contact(form)
    media_url = _media_url(form)
    address = form.get("address_string", "").strip() or None
    description = form.get("description", "").strip() or f"{category.name}（未填写描述）"
    occurred = answers.get("occurred_at")
    lon, lat = where if where else (None, None)
    created = create_report(
        NewReport(
            description,
            CHANNEL,
            lon,
            lat,
            location_source="device" if where else None,
            category_code=category.code,
            reporter_phone=phone,
            reporter_name=name[:60] if name else None,
            occurred_at=datetime.fromisoformat(occurred) if isinstance(occurred, str) else None,
            payload={"open311_key": key.name, "client_ip": client_ip, "address_string": address},
            columns={"attributes": answers, "do_not_publish": answers.get("publish") == "no"},
        )
    )
    request = Open311Request(
        report_id=created.report.id,
        key_id=key.id,
        token=secrets.token_urlsafe(18),
        jurisdiction_id=form.get("jurisdiction_id") or None,
        account_id=form.get("account_id", "").strip() or None,
        device_id=form.get("device_id", "").strip() or None,
        email=form.get("email", "").strip() or None,
        address_string=address,
        media_url=media_url,
        created_at=now(),
    )
    db.session.add(request)
    mark_used(key)
    db.session.flush()
    return Filed(created.report, request, created.report.tracking_no)


def mark_used(key: Open311Key) -> None:
    """At most once a minute: an UPDATE per POST would queue one client's concurrent posts
    behind each other on the key's row lock until each commits."""
    moment = now()
    if key.last_used_at is None or moment - key.last_used_at > USED_EVERY:
        key.last_used_at = moment


def filed_answer(filed: Filed, key: Open311Key) -> list[dict]:
    """The POST's service_requests: the id at once, or a token for asynchronous keys."""
    if key.asynchronous:
        return [{"token": filed.request.token}]
    return [
        {
            "service_request_id": filed.tracking_no,
            "service_notice": current_app.config["OPEN311_SERVICE_NOTICE"],
            "account_id": filed.request.account_id,
        }
    ]


def token_answer(token: str) -> list[dict]:
    """tokens/{token}: the id the token stands for."""
    found = db.session.execute(
        select(Report.tracking_no)
        .join(Open311Request, Open311Request.report_id == Report.id)
        .where(Open311Request.token == token)
    ).first()
    if found is None:
        raise NotFound(f"token: no request with token {token}")
    return [{"service_request_id": found.tracking_no, "token": token}]
