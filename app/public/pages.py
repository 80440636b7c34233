"""The resident's pages: /s/<code> to report (works without JavaScript), /t/<no> to follow."""

import math

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.categories.models import Category
from app.core.clock import SHANGHAI
from app.core.errors import Conflict, Invalid, NotFound
from app.core.limits import body_limit, cap_body
from app.core.ordered_keys import time_ordered_token
from app.extensions import db
from app.photos.processing import MAX_BYTES
from app.public import duplicate_hint, limits
from app.public.case_view import CASE_ACTIONS, public_case
from app.public.intake import (
    MAX_DESCRIPTION,
    MAX_PHOTOS,
    Dropped,
    PhotoUpload,
    Submission,
    SubmissionRejected,
    file_and_commit,
)
from app.public.reporter_actions import ReporterConflict, answer_question, rate
from app.qr_sites.models import QrSite
from app.qr_sites.service import CodeGone, count_scan, resolve_code, site_code
from app.reports.models import Report
from app.reports.tracking import find_by_tracking

pages = Blueprint("pages", __name__, template_folder="templates")

# A form whose photos are each somewhat over the limit must still be read, so that the
# resident gets the text back with one clear message per photo.
MAX_FORM_BYTES = MAX_PHOTOS * 2 * MAX_BYTES + 1024 * 1024
GONE_TEXT = {
    "rotated": ("此二维码已更换", "这张二维码已经停用，现场张贴了新的二维码，请扫描新码反映问题。"),
    "disabled": ("此码点已停用", "这个地点的二维码已停止使用，暂不接收反映。"),
}


def limit_form_size() -> None:
    """Cap the body of the public form posts (runs before the rate limiter reads the form)."""
    if request.method == "POST" and request.blueprint in ("pages", "public"):
        cap_body(MAX_FORM_BYTES)


@pages.app_template_filter("shanghai")
def _shanghai(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def _message(title: str, text: str, status: int, lookup: bool = False) -> tuple[str, int]:
    return render_template("public/message.html", title=title, text=text, lookup=lookup), status


def _bad_code(error: NotFound | CodeGone) -> tuple[str, int]:
    if isinstance(error, CodeGone):
        return _message(*GONE_TEXT[error.reason], 410)
    return _message(
        "无法识别的二维码",
        "这个二维码无效，可能被涂改过，或不是本中心发布的。请扫描现场张贴的二维码。",
        404,
    )


@pages.errorhandler(RateLimitExceeded)
def _too_many(error: RateLimitExceeded):
    return _message("操作太频繁", "请稍等片刻再试。如有紧急情况，请直接拨打 110。", 429)


@pages.errorhandler(CSRFError)
def _stale_form(error: CSRFError):
    return _message("页面已过期", "请返回上一页，刷新后重新提交。", 400)


@pages.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    return _message(
        "上传的内容太大",
        f"每张照片请不要超过 {MAX_BYTES // (1024 * 1024)} MB。请返回上一页，换小一些的照片再提交。",
        413,
    )


def _categories() -> list[tuple[Category, list[Category]]]:
    active = list(
        db.session.scalars(
            select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
        )
    )
    return [
        (c, [k for k in active if k.parent_code == c.code]) for c in active if not c.parent_code
    ]


def _form(site: QrSite, values=None, errors=None, client_uuid=None, status: int = 200, hint=None):
    html = render_template(
        "public/scan.html",
        site=site,
        action=url_for("pages.scan_submit", code=site_code(site)),
        categories=_categories(),
        values=values or {},
        errors=errors or {},
        client_uuid=client_uuid or time_ordered_token(),
        max_description=MAX_DESCRIPTION,
        max_photos=MAX_PHOTOS,
        centre=current_app.config["CENTRE_NAME"],
        hint=hint,
        similar_url=url_for("pages.similar", code=site_code(site)),
    )
    return html, status


def _number(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _form_submission(code: str) -> Submission:
    form = request.form
    lon, lat = _number(form.get("lon")), _number(form.get("lat"))
    # The page's script fills these in; a resident cannot fix a bad value, so it is dropped.
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        lon = lat = None
    accuracy = _number(form.get("accuracy"))
    return Submission(
        description=form.get("description", ""),
        site_code=code,
        lon=lon,
        lat=lat,
        accuracy_m=accuracy if lon is not None and accuracy is not None and accuracy >= 0 else None,
        category_code=form.get("category_code") or None,
        contact_phone=form.get("contact_phone") or None,
        client_uuid=form.get("client_uuid") or None,
        photos=[
            PhotoUpload(f.read(), f.filename or "")
            for f in request.files.getlist("photos")
            if f.filename
        ],
        honeypot=form.get("website", ""),
        client_address=request.remote_addr,
    )


def _file(submission: Submission):
    try:
        return file_and_commit(submission, "form")
    except Conflict:
        # The same page sent again with other words (back button, then edited): a new report.
        submission.client_uuid = None
        return file_and_commit(submission, "form")


@pages.get("/s/<code>")
@limits.pages_per_address
def scan_page(code: str):
    """The page behind a poster's QR code; every view counts as a scan."""
    try:
        site = resolve_code(code)
    except (NotFound, CodeGone) as error:
        return _bad_code(error)
    count_scan(site)
    db.session.commit()
    return _form(site)


@pages.post("/s/<code>")
@limits.reports_per_address
@limits.reports_per_code
def scan_submit(code: str):
    """The form post: the tracking page on success, else the form again with the text kept."""
    try:
        site = resolve_code(code)
    except (NotFound, CodeGone) as error:
        return _bad_code(error)
    choice = request.form.get("duplicate_choice", "")
    if choice == "follow":
        return _follow(request.form.get("follow_token", ""))
    if choice != "new" and not request.form.get("website") and not _sent_before():
        hint = duplicate_hint.similar_open_report(
            site,
            request.form.get("description", ""),
            request.form.get("category_code") or None,
            request.form.get("contact_phone") or None,
        )
        if hint is not None:
            # Asked once, before anything is stored: the resident decides.
            values = request.form.to_dict()
            return _form(site, values, None, values.get("client_uuid"), 200, hint)
    submission = _form_submission(code)
    try:
        filed = _file(submission)
    except Dropped:
        return _message("已收到", "感谢您的反映。", 200)
    except SubmissionRejected as error:
        chinese = error.errors["fields_zh"]
        client_uuid = None if "client_uuid" in chinese else submission.client_uuid
        return _form(site, request.form.to_dict(), chinese, client_uuid, error.status_code)
    return redirect(
        url_for(
            "pages.track_page",
            tracking_no=filed.report.tracking_no,
            key=filed.tracking_key,
            new=1,
        ),
        303,
    )


@pages.get("/s/<code>/similar")
@limits.pages_per_address
def similar(code: str):
    """The page's script asks, as the resident types: an open report saying the same here?"""
    try:
        site = resolve_code(code)
    except (NotFound, CodeGone):
        return "", 404
    hint = duplicate_hint.similar_open_report(
        site,
        request.args.get("description", "")[:MAX_DESCRIPTION],
        request.args.get("category_code") or None,
    )
    if hint is None:
        return "", 204
    return render_template("public/duplicate_hint.html", hint=hint)


def _sent_before() -> bool:
    """This very form filed a report already (back button, resend): it replays, never asks."""
    client_uuid = request.form.get("client_uuid") or None
    return client_uuid is not None and (
        db.session.scalar(select(Report.id).where(Report.client_uuid == client_uuid)) is not None
    )


def _follow(token: str):
    report = duplicate_hint.report_for_token(token)
    if report is None:
        return _message("链接无效", "请返回重新提交。", 404)
    duplicate_hint.follow(report)
    db.session.commit()
    return redirect(url_for("pages.follow_page", token=token), 303)


@pages.get("/f/<token>")
@limits.pages_per_address
def follow_page(token: str):
    """The progress of a case another resident reported: the public summary, no personal data."""
    report = duplicate_hint.report_for_token(token)
    if report is None:
        return _message("没有找到这条反映", "链接无效或已过期。", 404)
    case = public_case(report)
    timeline = [e for e in case.timeline if e.action in CASE_ACTIONS]
    return render_template(
        "public/follow.html",
        case=case,
        timeline=timeline,
        summary=duplicate_hint.public_summary(report.description),
        followed=duplicate_hint.residents_following([report.id]).get(report.id, 0),
    )


@pages.get("/t")
@limits.pages_per_address
def lookup():
    """Typed-in tracking number and key: on to the tracking page."""
    number, key = request.args.get("no", "").strip().upper(), request.args.get("key", "").strip()
    if not number or not key:
        return _message("查询办理进度", "请输入查询号和查询码。", 200, lookup=True)
    return redirect(url_for("pages.track_page", tracking_no=number, key=key), 303)


def _report_or_none(tracking_no: str, key: str) -> Report | None:
    try:
        return find_by_tracking(tracking_no, key)
    except NotFound:
        return None


def _not_found() -> tuple[str, int]:
    return _message("没有找到这条反映", "请核对查询号和查询码。", 404, lookup=True)


def _track(report: Report, key: str, status: int = 200, errors=None, values=None, note=None):
    html = render_template(
        "public/track.html",
        case=public_case(report),
        key=key,
        new=request.args.get("new") == "1",
        done=request.args.get("done"),
        errors=errors or {},
        values=values or {},
        note=note,
    )
    return html, status


@pages.get("/t/<tracking_no>")
@limits.pages_per_address
def track_page(tracking_no: str):
    """The reporter's view of their case (a wrong key looks like an unknown number)."""
    report = _report_or_none(tracking_no, request.args.get("key", ""))
    if report is None:
        return _not_found()
    return _track(report, request.args["key"])


def _reporter_action(tracking_no: str, act, done: str) -> Response | tuple[str, int]:
    key = request.form.get("key", "")
    report = _report_or_none(tracking_no, key)
    if report is None:
        return _not_found()
    try:
        act(report)
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        report = find_by_tracking(tracking_no, key)
        chinese = (error.errors or {}).get("fields_zh", {})
        return _track(report, key, 422, errors=chinese, values=request.form.to_dict())
    except ReporterConflict as error:
        db.session.rollback()
        return _track(find_by_tracking(tracking_no, key), key, 409, note=error.chinese)
    return redirect(url_for("pages.track_page", tracking_no=tracking_no, key=key, done=done), 303)


@pages.post("/t/<tracking_no>/info")
@body_limit("SMALL_BODY_MAX_BYTES")
@limits.tracking_writes_per_address
def info_submit(tracking_no: str):
    """The answer form on the tracking page."""
    return _reporter_action(
        tracking_no, lambda r: answer_question(r, request.form.get("answer", "")), "info"
    )


@pages.post("/t/<tracking_no>/feedback")
@body_limit("SMALL_BODY_MAX_BYTES")
@limits.tracking_writes_per_address
def feedback_submit(tracking_no: str):
    """The rating form on the tracking page."""
    return _reporter_action(
        tracking_no,
        lambda r: rate(r, request.form.get("satisfaction", ""), request.form.get("comment")),
        "feedback",
    )
