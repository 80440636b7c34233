"""Locking what a cleaner's decision touches, before the lifecycle applies it."""

from sqlalchemy import select

from app.accounts.models import User
from app.core.errors import Invalid
from app.extensions import db
from app.lifecycle.policy import report_for
from app.lifecycle.triage import DECISIONS
from app.reports.models import Report


def report_to_decide(user: User, report_id: int, decision: dict) -> Report:
    """The report, row-locked (and the one it is merged into, in id order, so two opposite
    merges cannot deadlock each other); 422 for an action that is not a triage decision."""
    action = decision.get("action")
    if action not in DECISIONS:
        raise Invalid.field("action", f"must be one of {', '.join(DECISIONS)}")
    other = decision.get("duplicate_of")
    if action == "merge" and other not in (None, report_id):
        db.session.scalars(
            select(Report.id)
            .where(Report.id.in_((report_id, other)))
            .order_by(Report.id)
            .with_for_update()
        ).all()
    return report_for(user, report_id, for_update=True)
