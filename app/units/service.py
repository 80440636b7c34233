"""Creating and changing units."""

from sqlalchemy import select

from app.areas.models import Area
from app.core.errors import Conflict, Invalid
from app.extensions import db
from app.units.models import UNIT_KINDS, Unit


def _check_area(area_code: str | None) -> None:
    # "" is an area code too (an unknown one), not "none": it would break the foreign key.
    if area_code is not None and (
        not area_code or db.session.scalar(select(Area.id).where(Area.code == area_code)) is None
    ):
        raise Invalid.field("area_code", f"unknown area {area_code!r}")


def _check_fields(name: str, kind: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid.field("name", "give a name of 1 to 100 characters")
    if kind not in UNIT_KINDS:
        raise Invalid.field("kind", f"must be one of {', '.join(UNIT_KINDS)}")
    return name


def create_unit(code: str, name: str, kind: str, area_code: str | None = None) -> Unit:
    code = (code or "").strip()
    if not code or len(code) > 40:
        raise Invalid.field("code", "give a code of 1 to 40 characters")
    name = _check_fields(name, kind)
    if db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Conflict(f"unit {code} exists", {"json": {"code": ["already exists"]}})
    _check_area(area_code)
    unit = Unit(code=code, name=name, kind=kind, area_code=area_code)
    db.session.add(unit)
    db.session.flush()
    return unit


def update_unit(unit: Unit, *, name: str, kind: str, area_code: str | None, active: bool) -> None:
    """Change a unit's name, kind, area or whether it takes cases; the code stays (cases and
    users refer to it). A unit no longer active is not offered when dispatching."""
    name = _check_fields(name, kind)
    _check_area(area_code)
    unit.name, unit.kind, unit.area_code, unit.active = name, kind, area_code, active
    db.session.flush()
