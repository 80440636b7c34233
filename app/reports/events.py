"""Writing a report's timeline: one append-only event per thing that happened."""

from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.core.database import insert_now
from app.extensions import db
from app.lifecycle.signals import event_recorded
from app.reports.models import Report, ReportEvent


def record_event(
    report: Report,
    action: str,
    *,
    actor: User | None = None,
    role: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
    public: bool = False,
    at_once: bool = False,
) -> ReportEvent:
    """Add the event in the caller's transaction, so it commits or rolls back with the change.

    `at_once`: INSERT it now with one Core statement (app.core.database.insert_now) rather
    than at the next flush; the report must be stored already and its `events` loaded (intake
    sets them empty). For the hot path of filing; the other steps keep the unit of work."""
    if role is None and actor is not None:
        role = actor.roles[0] if actor.roles else None
    event = ReportEvent(
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_user_id=actor.id if actor else None,
        actor_role=role,
        actor_unit_code=actor.unit_code if actor else None,
        reason=reason,
        payload=payload or {},
        public=public,
    )
    if at_once:
        event.report_id = report.id
        insert_now(db.session, event)
        set_committed_value(event, "report", report)
        set_committed_value(report, "events", [*report.events, event])
    else:
        event.report = report
        db.session.add(event)
    event_recorded.send(event)
    return event
