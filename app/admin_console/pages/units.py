"""/console/admin/units: the units that handle cases, and the area each one answers for."""

from flask import Response, abort, request
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.accounts.models import User
from app.admin_console.choices import UNIT_KIND_NAMES, area_names, area_options, unit_kind_options
from app.admin_console.shell import blp, done, field_errors, page
from app.audit import record_change
from app.audit.setup_subjects import unit_fields
from app.core.errors import Conflict, Invalid
from app.extensions import db
from app.units import service
from app.units.models import Unit

WORDS = {
    "code": "请填写编码（最多 40 个字符），且不能与已有单位重复",
    "name": "请填写名称（最多 100 个字符）",
    "kind": "请选择单位类型",
    "area_code": "请从列表中选择负责的区域",
}


def _form_page(values, errors, unit: Unit | None, status: int = 200) -> Response:
    return page(
        "admin/unit_form.html",
        status=status,
        values=values,
        errors=errors,
        the_unit=unit,
        kind_choices=unit_kind_options(),
        area_choices=area_options(),
    )


def _unit_or_404(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


@blp.get("/units")
def units():
    rows = list(db.session.scalars(select(Unit).order_by(Unit.kind, Unit.code)))
    people = dict(
        db.session.execute(
            select(User.unit_code, func.count(User.id))
            .where(User.unit_code.is_not(None), User.active.is_(True))
            .group_by(User.unit_code)
        )
        .tuples()
        .all()
    )
    return page(
        "admin/units.html",
        units=rows,
        people=people,
        kind_names=UNIT_KIND_NAMES,
        area_names=area_names({u.area_code for u in rows}),
    )


@blp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    if request.method == "GET":
        return _form_page(MultiDict(), {}, None)
    form = request.form
    try:
        unit = service.create_unit(
            form.get("code", ""),
            form.get("name", ""),
            form.get("kind", ""),
            form.get("area_code") or None,
        )
    except (Invalid, Conflict) as error:
        db.session.rollback()
        return _form_page(form, field_errors(error, WORDS), None, 422)
    record_change("unit.create", "unit", unit.code, unit.name, after=unit_fields(unit))
    name = unit.name
    db.session.commit()
    return done(f"已新建单位 {name}。", "admin.units")


@blp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = _unit_or_404(unit_id)
    if request.method == "GET":
        current = MultiDict(
            {
                "name": unit.name,
                "kind": unit.kind,
                "area_code": unit.area_code or "",
                "active": "on" if unit.active else "",
            }
        )
        return _form_page(current, {}, unit)
    form = request.form
    before = unit_fields(unit)
    try:
        service.update_unit(
            unit,
            name=form.get("name", ""),
            kind=form.get("kind", ""),
            area_code=form.get("area_code") or None,
            active=form.get("active") == "on",
        )
    except Invalid as error:
        db.session.rollback()
        return _form_page(form, field_errors(error, WORDS), _unit_or_404(unit_id), 422)
    record_change(
        "unit.update", "unit", unit.code, unit.name, before=before, after=unit_fields(unit)
    )
    name = unit.name
    db.session.commit()
    return done(f"已保存单位 {name}。", "admin.units")
