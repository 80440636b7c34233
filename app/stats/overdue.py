"""Cases under a yellow or red card in the caller's areas, worst first (督办 on one screen)."""

from sqlalchemy import case, func, select

from app.accounts.models import User
from app.extensions import db
from app.reports.models import Report
from app.stats.filters import ReportFilter, report_clauses

CARDED = ("yellow", "red")
FINISHED = ("resolved", "closed", "archived", "rejected", "merged")


def _open_carded(user: User, area_code: str | None) -> list:
    return [
        *report_clauses(user, ReportFilter(area_code=area_code)),
        Report.card.in_(CARDED),
        Report.resolved_at.is_(None),
        Report.status.not_in(FINISHED),
    ]


def overdue_cases(user: User, area_code: str | None = None, limit: int = 50) -> list[Report]:
    """Red before yellow, then the longest past (or nearest) deadline first."""
    deadline = func.coalesce(Report.due_at, Report.accept_due_at)
    query = (
        select(Report)
        .where(*_open_carded(user, area_code))
        .order_by(case((Report.card == "red", 0), else_=1), deadline.asc().nulls_last(), Report.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def card_counts(user: User, area_code: str | None = None) -> dict[str, int]:
    rows = db.session.execute(
        select(Report.card, func.count())
        .where(*_open_carded(user, area_code))
        .group_by(Report.card)
    )
    counts = dict.fromkeys(CARDED, 0)
    counts.update({card: int(n) for card, n in rows})
    return counts
