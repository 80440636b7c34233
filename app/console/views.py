"""The console's pages: thin views over the queue, the case lists and `console.actions`.

Every action is a form post answered by a redirect (303) to a page with a flash message;
a refused one shows the page again with the message beside the field. Script only enhances.
"""

from dataclasses import replace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import ROLES_SEEING_PHONES, User
from app.accounts.service import MIN_PASSWORD_LENGTH
from app.accounts.throttle import TooManyAttempts
from app.areas.models import ROUTING_LEVEL, Area
from app.categories.models import Category
from app.console import actions, labels
from app.console.cases import GROUPS, Search, countdown, deadline_of, search_cases, unit_workbench
from app.console.mapsvg import case_map
from app.console.news import mark_seen, news_for
from app.console.session import (
    end_session,
    safe_next,
    session_user,
    signed_in,
    start_session,
)
from app.core.auth import scope_of
from app.core.clock import in_shanghai, now
from app.core.database import serial_plan
from app.core.errors import Forbidden, Invalid, NotFound, Unauthorized
from app.core.limits import body_limit
from app.core.privacy import mask_phone
from app.core.spatial import to_shapely
from app.extensions import db
from app.lifecycle.ending import METHODS
from app.lifecycle.triage import REJECT_REASONS
from app.public.duplicate_hint import residents_following
from app.reports.access import report_for, visible_clause
from app.reports.evidence import photo_bytes
from app.reports.models import CHANNELS, OUTCOMES, RISK_LEVELS, SATISFACTIONS, Report
from app.triage.claims import RANK, held_by, queue_query, unclaimed
from app.triage.presort import before_queue_read
from app.triage.queue import commit_keeping, items_for, list_queue
from app.triage.rules import RISK_RANK
from app.units.models import Unit

blp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
QUEUE_PAGE = 50
CLAIM_CHOICES = (1, 5, 10)
CASE_ROLES = ("responder", "supervisor", "admin")
QUEUE_ROLES = ("cleaner", "supervisor", "admin")
CALLBACK_ROLES = ("grid_worker", "cleaner", "supervisor", "admin")
PAGE_ROLES = ("admin", "supervisor", "cleaner", "responder")


def csrf_failed(error):
    """A stale or missing form token (Flask-WTF): say so in Chinese and offer to go back."""
    body = render_template(
        "console/message.html",
        title="表单已过期",
        text="页面停留太久或已在别处退出，请返回刷新页面后再试。",
        user=None,
    )
    return Response(body, status=400)


ERROR_TEXT = {
    403: ("无权访问", "这个页面或案件不在您的职责范围内。"),
    404: ("没有找到", "这个页面或案件不存在。"),
}


@blp.errorhandler(403)
@blp.errorhandler(404)
def _refused(error):
    title, text = ERROR_TEXT[error.code]
    body = render_template("console/message.html", title=title, text=text, user=None)
    return Response(body, status=error.code)


@blp.app_template_filter("when")
def when_filter(moment) -> str:
    return "" if moment is None else f"{in_shanghai(moment):%Y-%m-%d %H:%M}"


@blp.app_template_filter("age")
def age_filter(moment) -> str:
    if moment is None:
        return ""
    minutes = max(0, (now() - moment).total_seconds() / 60)
    if minutes < 60:
        return f"{minutes:.0f} 分钟前"
    if minutes < 48 * 60:
        return f"{minutes / 60:.0f} 小时前"
    return f"{minutes / 1440:.0f} 天前"


@blp.context_processor
def _words():
    return {
        "L": labels,
        "actions_labels": actions.LABELS,
        "centre": current_app.config["CENTRE_NAME"],
    }


def _shell(user: User) -> dict:
    """What every page's header shows: who, which unit, which areas, what is new."""
    unit = (
        db.session.scalar(select(Unit).where(Unit.code == user.unit_code))
        if user.unit_code
        else None
    )
    scope = scope_of(user)
    if scope.unrestricted:
        areas = "全部区域"
    else:
        names = db.session.scalars(
            select(Area.name).where(Area.code.in_(user.area_codes)).order_by(Area.code)
        ).all()
        areas = "、".join(names) or "未设置辖区"
    menu = []
    if user.has_role(*QUEUE_ROLES):
        menu.append(("console.queue", "待分流"))
    if user.has_role(*CASE_ROLES):
        menu.append(("console.cases", "案件"))
    if user.has_role(*CALLBACK_ROLES):
        menu.append(("console.callbacks", "回访"))
    if user.has_role("supervisor", "admin"):
        menu.append(("dashboard.page", "督办一屏"))
    if user.has_role("admin"):
        menu.append(("admin.home", "系统管理"))
    return {
        "user": user,
        "unit": unit,
        "scope_text": areas,
        "roles_text": "、".join(labels.ROLE_NAMES.get(r, r) for r in user.roles),
        "menu": menu,
        "news": news_for(user),
    }


def _page(template: str, user: User, status: int = 200, shell=None, **context) -> Response:
    shell = shell or _shell(user)
    return Response(render_template(template, **shell, **context), status=status)


def _looked(user: User) -> dict:
    """The header as it stands, then "last looked" moves to now (the news is read)."""
    shell = _shell(user)
    mark_seen(user)
    return shell


# --- signing in ---------------------------------------------------------------------------


@blp.route("/login", methods=["GET", "POST"])
@body_limit("SMALL_BODY_MAX_BYTES")
def login():
    error, status, retry_after = None, 200, None
    target = safe_next(request.args.get("next"))
    if request.method == "POST":
        try:
            signed = start_session(
                request.form.get("username", "").strip(), request.form.get("password", "")
            )
        except TooManyAttempts as refused:
            db.session.commit()
            error, status = "登录失败次数过多，请稍后再试。", 429
            retry_after = refused.retry_after
        except Unauthorized:
            db.session.commit()  # keep what the credential check recorded (throttling)
            error, status = "用户名或密码错误，或账号已停用。", 401
        else:
            if signed.must_change_password:
                return redirect(url_for(".change_password", next=target), 303)
            return redirect(target or url_for(".home"), 303)
    body = render_template("console/login.html", error=error, next=target or "", user=None)
    response = Response(body, status=status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@blp.post("/logout")
@body_limit("SMALL_BODY_MAX_BYTES")
def logout():
    end_session()
    return redirect(url_for(".login"), 303)


PASSWORD_MESSAGES = {
    "current_password": "当前密码不对",
    "new_password": f"新密码至少 {MIN_PASSWORD_LENGTH} 个字符，且不能与当前密码相同",
    "confirm": "两次输入的新密码不一致",
}


@blp.route("/password", methods=["GET", "POST"])
@body_limit("SMALL_BODY_MAX_BYTES")
def change_password():
    """Choose one's own password: required after an admin set it (new user, 重置密码)."""
    user = session_user()
    if user is None:
        return redirect(url_for(".login", next=request.full_path.rstrip("?")))
    errors: dict[str, str] = {}
    target = safe_next(request.values.get("next"))
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("confirm", ""):
            errors["confirm"] = PASSWORD_MESSAGES["confirm"]
        else:
            try:
                accounts.change_password(
                    user,
                    request.form.get("current_password", ""),
                    new,
                    keep_family=session.get("family"),
                )
            except Invalid as error:
                db.session.rollback()
                errors = {
                    field: PASSWORD_MESSAGES.get(field, "请检查")
                    for location in (error.errors or {}).values()
                    for field in location
                }
            else:
                db.session.commit()
                flash("密码已修改。", "ok")
                return redirect(target or url_for(".home"), 303)
    shell = {**_shell(user), "menu": []}
    return _page(
        "console/password.html",
        user,
        status=422 if errors else 200,
        shell=shell,
        errors=errors,
        next=target or "",
        forced=user.must_change_password,
        min_length=MIN_PASSWORD_LENGTH,
    )


@blp.get("")
@blp.get("/")
@signed_in()
def home(user: User):
    """Each role lands on its main page."""
    if user.has_role("cleaner"):
        return redirect(url_for(".queue"))
    if user.has_role(*CASE_ROLES):
        return redirect(url_for(".cases"))
    if user.has_role("grid_worker"):
        return redirect(url_for(".callbacks"))
    abort(403)


# --- the cleaner's queue ------------------------------------------------------------------


@blp.get("/queue")
@signed_in(*QUEUE_ROLES)
def queue(user: User):
    channel = request.args.get("channel") or None
    channel = channel if channel in CHANNELS else None
    claimed = request.args.get("claimed", "all")
    claimed = claimed if claimed in ("all", "mine", "free") else "all"
    risk = request.args.get("risk") or None
    risk = risk if risk in RISK_LEVELS else None
    # The header first: "last looked" is written in the same commit as any suggestions the
    # read stores, and commit_keeping reloads the page's reports in one query afterwards.
    shell = _looked(user)
    if risk:
        items = _queue_at_risk(user, risk, claimed, channel)
    else:
        items, _ = list_queue(user, QUEUE_PAGE, None, claimed, channel)
    commit_keeping(items)
    followers = residents_following([i.report.id for i in items])
    return _page(
        "console/queue.html",
        user,
        shell=shell,
        items=items,
        followers=followers,
        filters={"channel": channel, "claimed": claimed, "risk": risk},
        channels=CHANNELS,
        claim_choices=CLAIM_CHOICES,
        lease_minutes=actions.lease_minutes(),
    )


def _queue_at_risk(user: User, risk: str, claimed: str, channel: str | None):
    """The queue narrowed to one suggested risk level, in the queue's own order."""
    before_queue_read(user)
    at = now()
    query = queue_query(user).where(RANK == RISK_RANK[risk])  # noqa: SIM300 (a column)
    if claimed == "mine":
        query = query.where(held_by(user, at))
    elif claimed == "free":
        query = query.where(unclaimed(at))
    if channel:
        query = query.where(Report.channel == channel)
    serial_plan(db.session)
    return items_for(list(db.session.scalars(query.limit(QUEUE_PAGE))), user)


@blp.post("/queue/claim")
@signed_in("cleaner")
def claim(user: User):
    count = request.form.get("count", type=int) or 1
    count = min(max(count, 1), max(CLAIM_CHOICES))
    taken = actions.claim_next(user, count)
    db.session.commit()
    if taken:
        flash(f"已认领 {len(taken)} 件，{actions.lease_minutes()} 分钟内有效。", "ok")
        return redirect(url_for(".report_page", report_id=taken[0].id), 303)
    flash("没有可认领的案件。", "info")
    return redirect(url_for(".queue"), 303)


@blp.post("/queue/release")
@signed_in("cleaner")
def release(user: User):
    ids = [int(i) for i in request.form.getlist("report_id") if i.isdigit()]
    released = actions.release(user, ids)
    db.session.commit()
    flash(f"已释放 {len(released)} 件。" if released else "没有需要释放的认领。", "ok")
    return redirect(safe_next(request.form.get("next")) or url_for(".queue"), 303)


# --- one case -----------------------------------------------------------------------------


def _case_or_abort(user: User, report_id: int) -> Report:
    try:
        return report_for(user, report_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


def _actor(event, people: dict[int, User]) -> str:
    if event.actor_user_id:
        return labels.person_name(people.get(event.actor_user_id))
    # No staff member: the resident who reported (filing, answering, rating), or the machine.
    return "报告人" if event.action == "created" or event.actor_role == "reporter" else "系统"


def _case_context(user: User, report: Report) -> dict:
    allowed = actions.allowed_actions(report, user)
    triage = None
    if report.status in ("received", "needs_info"):
        [triage] = items_for([report], user)
        db.session.commit()
        report = db.session.get(Report, report.id)
    shape = to_shapely(report.location) if report.location is not None else None
    events = list(report.events)
    people = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({e.actor_user_id for e in events if e.actor_user_id}))
        )
    }
    units = dict(db.session.execute(select(Unit.code, Unit.name)).tuples().all())
    timeline = [(e, labels.timeline_text(e, _actor(e, people), units)) for e in events]
    phone = report.reporter_phone
    sees_phone = user.has_role(*ROLES_SEEING_PHONES)
    category = db.session.get(Category, report.category_code) if report.category_code else None
    subdistrict = (
        db.session.scalar(select(Area.name).where(Area.code == report.subdistrict_code))
        if report.subdistrict_code
        else None
    )
    return {
        "report": report,
        "allowed": allowed,
        "triage": triage,
        "followers": residents_following([report.id]).get(report.id, 0),
        "map_svg": case_map(
            shape.x if shape else None, shape.y if shape else None, report.subdistrict_code
        ),
        "timeline": timeline,
        "phone": phone if sees_phone else mask_phone(phone),
        "phone_link": sees_phone and bool(phone),
        "category_name": category.name if category else None,
        "subdistrict_name": subdistrict,
        "unit_name": units.get(report.unit_code or ""),
        "units": db.session.execute(
            select(Unit.code, Unit.name).where(Unit.active.is_(True)).order_by(Unit.code)
        ).all(),
        "categories": db.session.execute(
            select(Category.code, Category.name, Category.parent_code)
            .where(Category.active.is_(True))
            .order_by(Category.sort_order)
        ).all(),
        "risks": RISK_LEVELS,
        "outcomes": OUTCOMES,
        "satisfactions": SATISFACTIONS,
        "methods": METHODS,
        "reject_reasons": list(REJECT_REASONS),
        "deadline": deadline_of(report),
        "countdown": countdown(deadline_of(report))
        if report.status in ("dispatched", "accepted", "in_progress")
        else None,
        "now": now(),
        **_mediation_context(report, user),
        "unit_names": units,
    }


def _mediation_context(report: Report, user: User) -> dict:
    from app.mediation.models import RESULT_NAMES, RESULTS, MediationSession
    from app.mediation.parts import parts_of
    from app.mediation.rule import attempt_status

    sessions = db.session.scalars(
        select(MediationSession)
        .where(MediationSession.report_id == report.id)
        .order_by(MediationSession.held_at)
    ).all()
    parts = parts_of(report.id)
    return {
        "sessions": sessions,
        "parts": parts,
        "own_part": next(
            (p for p in parts if p.unit_code == user.unit_code and not p.finished), None
        ),
        "attempts": attempt_status(report) if report.id else None,
        "session_results": [(r, RESULT_NAMES[r]) for r in RESULTS],
    }


@blp.get("/reports/<int:report_id>")
@signed_in(*PAGE_ROLES, "grid_worker")
def report_page(user: User, report_id: int):
    report = _case_or_abort(user, report_id)
    return _page(
        "console/report.html",
        user,
        **_case_context(user, report),
        errors={},
        values={},
        failed_action=None,
        refusal=None,
    )


@blp.post("/reports/<int:report_id>/<action>")
@signed_in(*PAGE_ROLES, "grid_worker")
def act(user: User, report_id: int, action: str):
    if action not in actions.LABELS:
        abort(404)
    try:
        form = request.form.to_dict()
        for many in ("unit_codes", "co_unit_codes"):  # multiple choices
            if many in request.form:
                form[many] = [c for c in request.form.getlist(many) if c]
        report = actions.apply(report_id, action, user, form, request.files.getlist("photos"))
        label = actions.LABELS[action]
        tracking_no = report.tracking_no
        db.session.commit()
    except actions.Refusal as refusal:
        db.session.rollback()
        if refusal.status == 403:
            abort(403)
        if refusal.status == 404:
            abort(404)
        report = _case_or_abort(user, report_id)
        return _page(
            "console/report.html",
            user,
            status=refusal.status,
            **_case_context(user, report),
            errors=refusal.errors,
            values=request.form.to_dict(),
            failed_action=action,
            refusal=refusal.message,
        )
    flash(f"{tracking_no}：已{label}。", "ok")
    target = safe_next(request.form.get("next"))
    if target:
        return redirect(target, 303)
    if action in actions.TRIAGE_ACTIONS:
        following = actions.next_in_queue(user)
        db.session.commit()
        if following is not None:
            return redirect(url_for(".report_page", report_id=following.id), 303)
        return redirect(url_for(".queue"), 303)
    return redirect(url_for(".report_page", report_id=report_id), 303)


@blp.get("/reports/<int:report_id>/photos/<int:photo_id>.jpg")
@signed_in(*PAGE_ROLES, "grid_worker")
def photo(user: User, report_id: int, photo_id: int):
    report = _case_or_abort(user, report_id)
    try:
        data = photo_bytes(report, photo_id, thumb=request.args.get("thumb") == "1")
    except NotFound:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# --- case lists ---------------------------------------------------------------------------


@blp.get("/cases")
@signed_in(*CASE_ROLES)
def cases(user: User):
    errors = {}
    try:
        search = Search.from_args(request.args)
    except Invalid as error:
        errors = {k: v[0] for loc in (error.errors or {}).values() for k, v in loc.items()}
        search = Search()
    # Written before the lists are read: a commit afterwards would make each case reload.
    shell = _looked(user)
    db.session.commit()
    bench = unit_workbench(user) if user.has_role("responder") else None
    results = None
    if not search.empty or bench is None:
        # Nothing asked yet: the cases still being worked, newest first.
        results = search_cases(user, replace(search, status="open") if search.empty else search)
    followers = residents_following([r.id for r in results or []])
    return _page(
        "console/cases.html",
        user,
        shell=shell,
        status=422 if errors else 200,
        bench=bench,
        groups=GROUPS,
        results=results,
        search=search,
        errors=errors,
        followers=followers,
        countdown=countdown,
        deadline_of=deadline_of,
        subdistricts=db.session.execute(
            select(Area.code, Area.name)
            .where(Area.level == ROUTING_LEVEL, scope_of(user).clause(Area.path))
            .order_by(Area.code)
        ).all(),
        categories=db.session.execute(
            select(Category.code, Category.name)
            .where(Category.parent_code.is_(None), Category.active.is_(True))
            .order_by(Category.sort_order)
        ).all(),
    )


@blp.get("/callbacks")
@signed_in(*CALLBACK_ROLES)
def callbacks(user: User):
    shell = _looked(user) if not user.has_role(*CASE_ROLES, "cleaner") else _shell(user)
    db.session.commit()
    waiting = list(
        db.session.scalars(
            select(Report)
            .where(
                Report.status == "resolved",
                Report.followed_up_at.is_(None),
                visible_clause(user),
            )
            .order_by(Report.resolved_at, Report.id)
            .limit(100)
        )
    )
    sees_phone = user.has_role(*ROLES_SEEING_PHONES)
    units = dict(db.session.execute(select(Unit.code, Unit.name)).tuples().all())
    return _page(
        "console/callbacks.html",
        user,
        shell=shell,
        waiting=waiting,
        sees_phone=sees_phone,
        mask_phone=mask_phone,
        units=units,
        satisfactions=SATISFACTIONS,
        methods=METHODS,
        can_record=user.has_role("grid_worker", "cleaner"),
    )
