"""跟踪督办: the carded cases a supervisor must look at, worst first."""

from sqlalchemy import and_, case, func, or_, select

from app.accounts.models import User
from app.core.pagination import decode_cursor, encode_cursor
from app.extensions import db
from app.lifecycle.policy import visible_clause
from app.lifecycle.states import overdue_clause
from app.reports.models import Report

card_rank = case((Report.card == "red", 0), else_=1)
# The deadline the card is about: accepting while dispatched, resolving after that.
card_deadline = func.coalesce(
    case((Report.status == "dispatched", Report.accept_due_at), else_=Report.due_at),
    Report.due_at,
    Report.created_at,
)
# Red first, then the deadline that passed longest ago; the dashboard's list uses it too.
OVERDUE_ORDER = (card_rank, card_deadline, Report.id)


def _after(cursor: str):
    rank, deadline, report_id = decode_cursor(cursor, ("int", "time", "int"))
    return or_(
        card_rank > rank,
        and_(card_rank == rank, card_deadline > deadline),
        and_(card_rank == rank, card_deadline == deadline, Report.id > report_id),
    )


def overdue_cases(
    user: User,
    *,
    card: str | None = None,
    unit_code: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[Report], str | None]:
    """Yellow- and red-carded open cases in the caller's scope: red first, oldest deadline first."""
    query = select(Report, card_rank, card_deadline).where(
        visible_clause(user), overdue_clause(card)
    )
    if unit_code:
        query = query.where(Report.unit_code == unit_code)
    if cursor:
        query = query.where(_after(cursor))
    rows = db.session.execute(query.order_by(*OVERDUE_ORDER).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        report, rank, deadline = rows[limit - 1]
        next_cursor = encode_cursor([rank, deadline.isoformat(), report.id])
    return [row[0] for row in rows[:limit]], next_cursor
