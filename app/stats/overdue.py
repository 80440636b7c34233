"""Cases under a yellow or red card in the caller's areas, worst first (督办 on one screen).

The same cases, in the same order, as the supervisors' list (app.workflow.supervision): both
are `overdue_clause` within the caller's scope.
"""

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.lifecycle.states import CARDED, overdue_clause
from app.reports.models import Report
from app.stats.filters import ReportFilter, report_clauses
from app.workflow.supervision import OVERDUE_ORDER


def _open_carded(user: User, area_code: str | None) -> list:
    return [*report_clauses(user, ReportFilter(area_code=area_code)), overdue_clause()]


def overdue_cases(user: User, area_code: str | None = None, limit: int = 50) -> list[Report]:
    """Red before yellow, then the longest past (or nearest) deadline first."""
    query = select(Report).where(*_open_carded(user, area_code)).order_by(*OVERDUE_ORDER)
    return list(db.session.scalars(query.limit(limit)))


def card_counts(user: User, area_code: str | None = None) -> dict[str, int]:
    rows = db.session.execute(
        select(Report.card, func.count())
        .where(*_open_carded(user, area_code))
        .group_by(Report.card)
    )
    counts = dict.fromkeys(CARDED, 0)
    counts.update({card: int(n) for card, n in rows})
    return counts
