"""Creating units."""

from sqlalchemy import select

from app.areas.models import Area
from app.core.errors import Conflict, Invalid
from app.extensions import db
from app.units.models import Unit


def create_unit(code: str, name: str, kind: str, area_code: str | None = None) -> Unit:
    if db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Conflict(f"unit {code} exists", {"json": {"code": ["already exists"]}})
    # "" is an area code too (an unknown one), not "none": it would break the foreign key.
    if area_code is not None and (
        not area_code or db.session.scalar(select(Area.id).where(Area.code == area_code)) is None
    ):
        raise Invalid.field("area_code", f"unknown area {area_code!r}")
    unit = Unit(code=code, name=name, kind=kind, area_code=area_code)
    db.session.add(unit)
    db.session.flush()
    return unit
