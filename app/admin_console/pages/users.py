"""/console/admin/users: staff users — create, change roles, scopes and unit, 停用, 重置密码.

A user made here gets a one-time password, shown once to the admin, as 重置密码 gives one:
the user signs in with it and must choose their own before anything else works (the console
sends them to /console/password; the token API answers 403 until then).
"""

from flask import Response, abort, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.accounts import service as accounts
from app.accounts.models import User
from app.admin_console.choices import area_names, area_options, role_options, unit_options
from app.admin_console.shell import admin, blp, done, field_errors, page
from app.audit import record_change
from app.audit.setup_subjects import user_fields
from app.core.errors import Conflict, Invalid
from app.extensions import db
from app.units.models import Unit

WORDS = {
    "username": "请填写用户名（最多 64 个字符），且不能与已有用户重复",
    "display_name": "姓名最多 100 个字符",
    "roles": "请至少选择一个角色",
    "area_codes": "请从列表中选择辖区",
    "unit_code": "请从列表中选择所属单位",
}
SELF = "不能停用自己，也不能取消自己的系统管理员角色；请另一位管理员操作。"
LAST_ADMIN = "这是最后一位启用的系统管理员，不能停用或取消其管理员角色；请先设置另一位管理员。"


def _admin_refusal(error: Invalid) -> str:
    return SELF if "yourself" in error.message else LAST_ADMIN


def _form_errors(error: Invalid) -> dict[str, str]:
    errors = field_errors(error, WORDS)
    for name in ("active", "roles"):
        if name in errors and "admin" in error.message:
            errors["roles"] = _admin_refusal(error)
            errors.pop("active", None)
    return errors


def _read_form(form) -> tuple[dict, dict[str, str]]:
    values = {
        "display_name": form.get("display_name", "").strip(),
        "roles": [r for r in form.getlist("roles") if r],
        "area_codes": [c for c in form.getlist("area_codes") if c],
        "unit_code": form.get("unit_code") or None,
    }
    errors = {}
    if len(values["display_name"]) > 100:
        errors["display_name"] = WORDS["display_name"]
    try:
        accounts.check_responder_unit(values["roles"], values["unit_code"])
    except Invalid:
        errors["unit_code"] = "承办单位角色的用户需要选择所属单位（工作台按单位列出案件）"
    return values, errors


def _form_page(template: str, values, errors, status: int = 200, **context) -> Response:
    return page(
        template,
        status=status,
        values=values,
        errors=errors,
        role_choices=role_options(),
        area_choices=area_options(),
        unit_choices=unit_options(),
        **context,
    )


def _one_time(user: User, password: str, what: str) -> Response:
    """The one-time password, in this answer only: never in a redirect, a flash or a log."""
    response = page("admin/user_password.html", person=user, password=password, what=what)
    response.headers["Cache-Control"] = "no-store"
    return response


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _users_page(status: int = 200, refusal: str | None = None) -> Response:
    rows = list(db.session.scalars(select(User).order_by(User.username)))
    return page(
        "admin/users.html",
        status=status,
        people=rows,
        unit_names=dict(db.session.execute(select(Unit.code, Unit.name)).tuples().all()),
        area_names=area_names({c for u in rows for c in u.area_codes}),
        refusal=refusal,
    )


@blp.get("/users")
def users():
    return _users_page()


@blp.route("/users/new", methods=["GET", "POST"])
def user_new():
    if request.method == "GET":
        return _form_page("admin/user_form.html", MultiDict(), {}, person=None)
    form = request.form
    values, errors = _read_form(form)
    username = form.get("username", "").strip()
    if not username or len(username) > 64:
        errors["username"] = WORDS["username"]
    if errors:
        return _form_page("admin/user_form.html", form, errors, 422, person=None)
    password = accounts.one_time_password()
    try:
        user = accounts.create_user(username, password, must_change_password=True, **values)
    except (Invalid, Conflict) as error:
        db.session.rollback()
        errors = field_errors(error, WORDS)
        if isinstance(error, Conflict):
            errors = {"username": "这个用户名已被使用，请换一个"}
        return _form_page("admin/user_form.html", form, errors, 422, person=None)
    record_change(
        "user.create",
        "user",
        user.id,
        user.username,
        after=user_fields(user),
        summary=f"新建用户 {user.username}（一次性密码，首次登录须修改）",
    )
    db.session.commit()
    return _one_time(user, password, "新建")


@blp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    if request.method == "GET":
        current = MultiDict(
            [("display_name", user.display_name), ("unit_code", user.unit_code or "")]
            + [("roles", r) for r in user.roles]
            + [("area_codes", c) for c in user.area_codes]
        )
        return _form_page("admin/user_form.html", current, {}, person=user)
    form = request.form
    values, errors = _read_form(form)
    if errors:
        return _form_page("admin/user_form.html", form, errors, 422, person=user)
    before = user_fields(user)
    try:
        accounts.update_user(user, admin(), **values)
    except Invalid as error:
        db.session.rollback()
        user = _user_or_404(user_id)
        return _form_page("admin/user_form.html", form, _form_errors(error), 422, person=user)
    record_change(
        "user.update", "user", user.id, user.username, before=before, after=user_fields(user)
    )
    username = user.username
    db.session.commit()
    return done(f"已保存用户 {username}。", "admin.users")


def _set_active(user_id: int, active: bool) -> Response:
    user = _user_or_404(user_id)
    before = user_fields(user)
    try:
        accounts.set_active(user, active, by=admin())
    except Invalid as error:
        db.session.rollback()
        return _users_page(422, _admin_refusal(error))
    kind = "user.disable" if not active else "user.enable"
    record_change(kind, "user", user.id, user.username, before=before, after=user_fields(user))
    username = user.username
    db.session.commit()
    word = "停用" if not active else "启用"
    return done(f"已{word}用户 {username}。", "admin.users")


@blp.post("/users/<int:user_id>/disable")
def user_disable(user_id: int):
    return _set_active(user_id, False)


@blp.post("/users/<int:user_id>/enable")
def user_enable(user_id: int):
    return _set_active(user_id, True)


@blp.post("/users/<int:user_id>/reset-password")
def user_reset_password(user_id: int):
    user = _user_or_404(user_id)
    password = accounts.reset_password(user)
    record_change(
        "user.reset_password",
        "user",
        user.id,
        user.username,
        summary="重置密码：发给一次性密码，下次登录须修改；原有登录全部失效",
    )
    db.session.commit()
    return _one_time(user, password, "重置")
