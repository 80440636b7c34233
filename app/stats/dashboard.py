"""The supervisor page (/dashboard): the map, headline rates and overdue cases on one screen.

Sign-in is a server-side session, not a token in sessionStorage: the page is rendered on the
server and works without JavaScript (old office browsers, wall screens), the map image and the
ledger download are plain links the cookie authenticates, and no script can read the
credential (HttpOnly). The session is tied to a token family made by the normal sign-in, so
signing out, disabling the user or revoking the family ends it at once.
"""

import hmac
import secrets
from datetime import datetime, time, timedelta
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import AuthToken, User
from app.accounts.tokens import REFRESH, revoke_family, user_for_access_token
from app.areas.models import LEVELS, Area
from app.categories.models import Category
from app.core.clock import SHANGHAI, in_shanghai, now
from app.core.errors import DomainError, Unauthorized
from app.core.replica import reads_from_replica
from app.exports.routes import send_ledger
from app.extensions import db
from app.stats.filters import ReportFilter
from app.stats.hotspots import area_conditions, hotspot_map_png, map_font
from app.stats.labels import (
    CARD_NAMES,
    RISK_NAMES,
    STATUS_NAMES,
    label,
    period_label,
)
from app.stats.overdue import card_counts, overdue_cases
from app.stats.overview import names_for, overview
from app.units.models import Unit

blp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")
PAGE_ROLES = ("supervisor", "admin")
PERIOD_DAYS = (7, 30, 90, 365)
DEFAULT_DAYS = 30


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def _check_csrf() -> None:
    sent = request.form.get("csrf", "")
    if not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "表单已过期，请刷新页面后重试")


def session_user() -> User | None:
    """The signed-in user of this browser session, if it is still valid."""
    family, user_id, started = session.get("family"), session.get("user_id"), session.get("at")
    if not family or not user_id or not started:
        return None
    hours = current_app.config["DASHBOARD_SESSION_HOURS"]
    if datetime.fromisoformat(started) + timedelta(hours=hours) <= now():
        session.clear()
        return None
    alive = db.session.scalar(
        select(AuthToken.id)
        .where(
            AuthToken.family == family,
            AuthToken.kind == REFRESH,
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > now(),
        )
        .limit(1)
    )
    user = db.session.get(User, user_id)
    if alive is None or user is None or not user.active or not user.has_role(*PAGE_ROLES):
        session.clear()
        return None
    g.current_user = user
    return user


def signed_in(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = session_user()
        if user is None:
            if request.path.endswith((".png", ".xlsx")):
                abort(401)
            return redirect(url_for(".login", next=request.full_path))
        return view(user, *args, **kwargs)

    return wrapper


@blp.app_template_filter("duration")
def duration_filter(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} 小时"
    return f"{seconds / 86400:.1f} 天"


@blp.app_template_filter("percent")
def percent_filter(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@blp.app_template_filter("shanghai")
def shanghai_filter(moment: datetime | None) -> str:
    return "" if moment is None else f"{in_shanghai(moment):%m-%d %H:%M}"


def _safe_next(target: str | None) -> str:
    # Only paths on this page: never an open redirect to another site.
    if target and target.startswith("/dashboard") and not target.startswith("//"):
        return target
    return url_for(".page")


@blp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        _check_csrf()
        try:
            pair = accounts.sign_in(
                request.form.get("username", "").strip(), request.form.get("password", "")
            )
        except Unauthorized:
            error, status = "用户名或密码错误，或账号已停用。", 401
        else:
            _, token = user_for_access_token(pair.access_token)
            if not pair.user.has_role(*PAGE_ROLES):
                revoke_family(token.family)
                db.session.commit()
                error, status = "此页面仅供督办人员和系统管理员使用。", 403
            else:
                db.session.commit()
                session.clear()  # a fresh session: nothing carried over from before sign-in
                session.update(family=token.family, user_id=pair.user.id, at=now().isoformat())
                return redirect(_safe_next(request.args.get("next")))
    body = render_template(
        "stats/login.html",
        error=error,
        csrf=_csrf_token(),
        centre=current_app.config["CENTRE_NAME"],
        next=request.args.get("next", ""),
    )
    return Response(body, status=status)


@blp.post("/logout")
def logout():
    _check_csrf()
    family = session.get("family")
    if family:
        accounts.sign_out(family)
        db.session.commit()
    session.clear()
    return redirect(url_for(".login"))


def _choice(user: User) -> tuple[ReportFilter, int, Area | None]:
    """The period (last N days up to the end of today, Shanghai) and area in the query string."""
    days = request.args.get("days", type=int)
    days = days if days in PERIOD_DAYS else DEFAULT_DAYS
    today = in_shanghai(now()).date()
    until = datetime.combine(today + timedelta(days=1), time(0), SHANGHAI)
    area = None
    code = request.args.get("area") or None
    if code:
        area = db.session.scalars(
            select(Area).where(Area.code == code, *area_conditions(user, "subdistrict", None))
        ).first()
    return (
        ReportFilter(since=until - timedelta(days=days), until=until, area_code=area and area.code),
        days,
        area,
    )


def _map_level(area: Area | None) -> str:
    if area is None:
        return "subdistrict"
    below = LEVELS[min(LEVELS.index(area.level) + 1, len(LEVELS) - 1)]
    has_below = db.session.scalar(
        select(Area.id).where(Area.level == below, Area.path.startswith(area.path)).limit(1)
    )
    return below if has_below else area.level


@blp.get("")
@signed_in
@reads_from_replica
def page(user: User):
    f, days, area = _choice(user)
    query = {"days": days, **({"area": area.code} if area else {})}
    subdistricts = list(
        db.session.scalars(
            select(Area).where(*area_conditions(user, "subdistrict", None)).order_by(Area.code)
        )
    )
    overdue = overdue_cases(user, f.area_code)
    return render_template(
        "stats/dashboard.html",
        user=user,
        centre=current_app.config["CENTRE_NAME"],
        csrf=_csrf_token(),
        days=days,
        period_days=PERIOD_DAYS,
        period=period_label(f.since, f.until),
        area=area,
        subdistricts=subdistricts,
        stats=overview(user, f),
        overdue=overdue,
        unit_names=names_for(Unit.code, Unit.name, {r.unit_code for r in overdue}),
        category_names=names_for(Category.code, Category.name, {r.category_code for r in overdue}),
        cards=card_counts(user, f.area_code),
        map_url=url_for(".map_png", **query),
        ledger_url=url_for(".ledger", **query),
        generated=in_shanghai(now()),
        names={"status": STATUS_NAMES, "risk": RISK_NAMES, "card": CARD_NAMES},
        label=label,
    )


@blp.get("/map.png")
@signed_in
@reads_from_replica
def map_png(user: User):
    f, _, area = _choice(user)
    try:
        png = hotspot_map_png(
            user,
            _map_level(area),
            f,
            1200,
            map_font(current_app.config["CJK_FONT_PATH"]),
            current_app.config["CENTRE_NAME"],
        )
    except DomainError as error:
        abort(int(error.status_code), error.message)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@blp.get("/ledger.xlsx")
@signed_in
@reads_from_replica
def ledger(user: User):
    f, _, _ = _choice(user)
    return send_ledger(user, f, "xlsx")
