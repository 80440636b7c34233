"""The supervisor page (/dashboard): the map, headline rates and overdue cases on one screen.

Sign-in is the console's server-side session (app.console.session), not a token in
sessionStorage: the page is rendered on the server and works without JavaScript (old office
browsers, wall screens), the map image and the ledger download are plain links the cookie
authenticates, and no script can read the credential (HttpOnly).
"""

from datetime import datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from app.accounts.models import User
from app.areas.models import LEVELS, Area
from app.categories.models import Category
from app.console.session import end_session, safe_next
from app.console.session import signed_in as console_signed_in
from app.core.clock import SHANGHAI, in_shanghai, now
from app.core.errors import DomainError
from app.core.limits import body_limit
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


def signed_in(view):
    """Supervisors and admins, signed in at the one staff sign-in (/console/login)."""
    return console_signed_in(*PAGE_ROLES)(view)


@blp.errorhandler(CSRFError)
def _stale_form(error: CSRFError):
    return Response("表单已过期，请刷新页面后重试。", status=400, mimetype="text/plain")


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


@blp.get("/login")
def login():
    """The dashboard signs in where every staff page does."""
    target = safe_next(request.args.get("next")) or url_for(".page")
    return redirect(url_for("console.login", next=target))


@blp.post("/logout")
@body_limit("SMALL_BODY_MAX_BYTES")
def logout():
    end_session()
    return redirect(url_for("console.login"), 303)


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
