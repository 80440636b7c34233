"""Recording a mediation session: the lifecycle row `mediate` (app.lifecycle.table) runs this."""

from datetime import datetime

from app.core.clock import now
from app.core.errors import Invalid
from app.extensions import db
from app.lifecycle.engine import Step
from app.mediation.models import RESULTS, MediationSession

MAX_NAMES = 20


def _names(step: Step, field: str, required: bool) -> list[str]:
    value = step.data.get(field) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid.field(field, "must be a list of names")
    names = [v.strip() for v in value if v.strip()]
    if required and not names:
        raise Invalid.field(field, "name at least one")
    if len(names) > MAX_NAMES:
        raise Invalid.field(field, f"at most {MAX_NAMES} names")
    return names


def mediate(step: Step) -> None:
    """调解: a session with parties and mediators and its result, on the case's record; counts
    towards the tier's attempts (三级调解)."""
    report, data = step.report, step.data
    result = data.get("result")
    if result not in RESULTS:
        raise Invalid.field("result", f"must be one of {', '.join(RESULTS)}")
    held_at: datetime | None = data.get("held_at")
    if held_at is None:
        raise Invalid.field("held_at", "say when the session was held")
    if held_at > now():
        raise Invalid.field("held_at", "a session is recorded after it was held")
    online = bool(data.get("online"))
    place = step.text("place") or ("线上" if online else None)
    if place is None:
        raise Invalid.field("place", "say where the session was held (or that it was online)")
    terms = step.text("terms")
    if result in ("agreement", "partial") and not terms:
        raise Invalid.field("terms", "write what the parties agreed")
    session = MediationSession(
        report_id=report.id,
        tier=report.tier,
        unit_code=report.unit_code,
        held_at=held_at,
        place=place,
        online=online,
        mediators=_names(step, "mediators", True),
        parties_present=_names(step, "parties_present", result != "absent"),
        proposal=step.text("proposal"),
        result=result,
        terms=terms,
        performance=step.text("performance"),
        note=step.text("note"),
        next_step=step.text("next_step"),
        recorded_by_user_id=step.user.id if step.user else None,
    )
    db.session.add(session)
    db.session.flush()
    event = step.move(None, {"session_id": session.id, "result": result, "tier": report.tier})
    db.session.flush()
    session.event_id = event.id
