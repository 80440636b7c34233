"""Units: list and create."""

from sqlalchemy import select

from app.audit import record_change
from app.audit.setup_subjects import unit_fields
from app.extensions import Blueprint, db
from app.units.models import Unit
from app.units.schemas import UnitSchema
from app.units.service import create_unit

blp = Blueprint("units", __name__, url_prefix="/api/v1/units", description="Handling units")


@blp.get("")
@blp.staff()
@blp.response(200, UnitSchema(many=True))
def list_units():
    """All units."""
    return db.session.scalars(select(Unit).order_by(Unit.code))


@blp.post("")
@blp.staff("admin")
@blp.arguments(UnitSchema)
@blp.response(201, UnitSchema)
def post_unit(args):
    """Create a unit attached to an area."""
    unit = create_unit(**args)
    record_change("unit.create", "unit", unit.code, unit.name, after=unit_fields(unit))
    db.session.commit()
    return unit
