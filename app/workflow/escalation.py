"""分级调处: moving a case up a tier (community → subdistrict → district) to that tier's unit."""

from sqlalchemy import select

from app.areas.models import Area
from app.core.errors import Conflict
from app.extensions import db
from app.reports.models import TIERS, Report, ReportEvent
from app.units.models import Unit

TIER_NAMES = {"community": "村/社区", "subdistrict": "镇/街道", "district": "区县"}


def current_tier(report: Report) -> str | None:
    """The tier the case is at: as dispatched, or else the kind of the unit holding it."""
    if report.tier in TIERS:
        return report.tier
    kind = db.session.scalar(select(Unit.kind).where(Unit.code == report.unit_code))
    return kind if kind in TIERS else None


def _area_chain(report: Report) -> list[str]:
    """Area codes above the case, from the report's position or else from its unit's area."""
    path = report.area_path
    if not path and report.unit_code:
        path = db.session.scalar(
            select(Area.path)
            .join(Unit, Unit.area_code == Area.code)
            .where(Unit.code == report.unit_code)
        )
    return [code for code in (path or "").split("/") if code]


def unit_above(report: Report, to_tier: str | None = None) -> tuple[str, Unit]:
    """The next tier up that has an active unit over the case's area (or exactly `to_tier`)."""
    tier = current_tier(report)
    # A department (司法所, 派出所 …) without a recorded tier sits beside the sub-district.
    start = TIERS.index(tier) + 1 if tier else TIERS.index("subdistrict")
    tiers = TIERS[start:]
    if to_tier is not None:
        tiers = tuple(t for t in tiers if t == to_tier)
    if not tiers:
        raise Conflict(
            f"report {report.id} is at the {tier} tier (城区兜底); there is no tier above it",
            {"json": {"action": ["no higher tier"]}},
        )
    chain = _area_chain(report)
    for candidate in tiers:
        query = select(Unit).where(
            Unit.kind == candidate, Unit.active.is_(True), Unit.code != report.unit_code
        )
        units = db.session.scalars(query.where(Unit.area_code.in_(chain))).all() if chain else []
        if not units and candidate == "district":
            # A case outside every area still has one district centre to go to.
            units = db.session.scalars(query).all()
            units = units if len(units) == 1 else []
        if units:
            depth = {code: i for i, code in enumerate(chain)}
            return candidate, max(units, key=lambda u: depth.get(u.area_code, -1))
    raise Conflict(
        f"no active unit at the {' or '.join(tiers)} tier covers report {report.id}'s area; "
        "an admin must attach one (POST /api/v1/units)",
        {"json": {"action": ["no unit above"]}},
    )


def escalated_away(report_id: int, unit_code: str | None) -> ReportEvent | None:
    """The latest escalation that took the case away from `unit_code`, if any."""
    if not unit_code:
        return None
    events = db.session.scalars(
        select(ReportEvent)
        .where(ReportEvent.report_id == report_id, ReportEvent.action == "escalate")
        .order_by(ReportEvent.id.desc())
    )
    return next((e for e in events if e.payload.get("from_unit") == unit_code), None)
