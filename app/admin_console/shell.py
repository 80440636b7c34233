"""What every admin page shares: the blueprint and its guard, the nav, the page and form helpers.

Forms follow the console's conventions: Flask-WTF's CSRF token in every form (`forms.csrf()`),
a success answered by 303 to a page with a flash message (`done`), a refusal by the same page
again with the message next to the field (`page(..., status=422, errors=...)`).
"""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from app.accounts.models import User
from app.console import labels
from app.console.session import session_user
from app.core.errors import DomainError, Invalid
from app.extensions import db

blp = Blueprint(
    "admin",
    __name__,
    url_prefix="/console/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

ADMIN_ROLE = "admin"
# The admin nav, in this order (SCREENS.md). A link shows once its endpoint exists.
NAV = (
    ("admin.areas", "区域"),
    ("admin.users", "用户"),
    ("admin.units", "单位"),
    ("admin.qr_sites", "码点"),
    ("admin.rules", "规则"),
    ("admin.deadlines", "时限"),
    ("admin.webhooks", "订阅"),
    ("admin.audit", "操作记录"),
)
DOWNLOAD_SUFFIXES = (".png", ".pdf", ".svg", ".csv", ".json")


@blp.before_request
def admins_only():
    """The one guard for every admin page: sign in first, then admins only (403 otherwise)."""
    user = session_user()
    if user is None:
        if request.path.endswith(DOWNLOAD_SUFFIXES):
            abort(401)
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    if user.must_change_password:
        # An admin set this admin's password: choosing their own comes first (console.session).
        if request.path.endswith(DOWNLOAD_SUFFIXES):
            abort(403)
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("console.change_password", next=target))
    if not user.has_role(ADMIN_ROLE):
        abort(403)
    return None


def admin() -> User:
    """The signed-in admin of this request (the guard has checked)."""
    return g.current_user


ERROR_TEXT = {
    401: ("请先登录", "请先登录后再打开这个文件。"),
    403: ("无权访问", "系统管理页面只对系统管理员开放。"),
    404: ("没有找到", "这个页面或对象不存在。"),
    405: ("不支持的操作", "请从页面上的按钮操作。"),
}


@blp.errorhandler(401)
@blp.errorhandler(403)
@blp.errorhandler(404)
@blp.errorhandler(405)
def _refused(error):
    title, text = ERROR_TEXT[error.code]
    body = render_template("console/message.html", title=title, text=text, user=None)
    return Response(body, status=error.code)


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    """A refusal a view did not turn into a field message: still a 4xx page in Chinese."""
    db.session.rollback()
    body = render_template(
        "console/message.html",
        title="操作未完成",
        text=f"请返回上一页修改后再试。（{error.message}）",
        user=None,
    )
    status = int(error.status_code)
    return Response(body, status=status if 400 <= status < 500 else 422)


@blp.context_processor
def _shared():
    return {
        "L": labels,
        "centre": current_app.config["CENTRE_NAME"],
        "admin_nav": [(e, n) for e, n in NAV if e in current_app.view_functions],
    }


def page(template: str, status: int = 200, **context) -> Response:
    """An admin page in the console's shell (header, menu, flash messages)."""
    from app.console.views import _shell

    context.setdefault("errors", {})
    context.setdefault("values", {})
    return Response(render_template(template, **_shell(admin()), **context), status=status)


def done(message: str, endpoint: str, **values) -> Response:
    """A form that succeeded: a flash message and 303 to the page that shows the new state."""
    flash(message, "ok")
    return redirect(url_for(endpoint, **values), 303)


def field_errors(error: Invalid, words: dict[str, str] | None = None) -> dict[str, str]:
    """{field: message} of a refusal, for showing each message next to its field.

    `words` maps a field to the Chinese message to show instead of the service's own words.
    """
    found: dict[str, str] = {}
    for fields in (error.errors or {}).values():
        for name, messages in (fields or {}).items():
            if isinstance(messages, list):
                text = "；".join(str(m) for m in messages)
            else:
                text = str(messages)
            found.setdefault(name, (words or {}).get(name, text))
    if not found:
        found["_form"] = error.message
    return found


@blp.get("")
@blp.get("/")
def home():
    first = "admin.areas" if "admin.areas" in current_app.view_functions else "admin.audit"
    return redirect(url_for(first))
