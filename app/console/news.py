"""What is new for me since I last looked: cases sent to my unit, returned, answered, overdue."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.console.models import ConsoleSeen
from app.core.clock import now
from app.extensions import db
from app.lifecycle.states import OPEN as OPEN_STATES
from app.reports.access import visible_clause
from app.reports.models import Report, ReportEvent

# A first visit counts the last day, not everything that ever happened.
FIRST_LOOK = timedelta(days=1)


@dataclass
class News:
    since: datetime
    dispatched: int = 0
    returned: int = 0
    answered: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.dispatched + self.returned + self.answered + self.overdue

    def items(self) -> list[tuple[str, int]]:
        named = (
            ("新派给本单位", self.dispatched),
            ("退回待分流", self.returned),
            ("报告人已补充", self.answered),
            ("新超期", self.overdue),
        )
        return [(name, count) for name, count in named if count]


def last_seen(user: User) -> datetime:
    row = db.session.get(ConsoleSeen, user.id)
    return row.seen_at if row is not None else now() - FIRST_LOOK


def mark_seen(user: User) -> None:
    row = db.session.get(ConsoleSeen, user.id)
    if row is None:
        db.session.add(ConsoleSeen(user_id=user.id, seen_at=now()))
    else:
        row.seen_at = now()


def news_for(user: User) -> News:
    since = last_seen(user)
    news = News(since)
    if user.has_role("responder") and user.unit_code:
        news.dispatched = db.session.scalar(
            select(func.count(Report.id)).where(
                Report.unit_code == user.unit_code,
                Report.status == "dispatched",
                Report.assigned_at > since,
            )
        )
    if user.has_role("cleaner", "supervisor", "admin"):
        counts = dict(
            db.session.execute(
                select(ReportEvent.action, func.count(ReportEvent.id))
                .join(Report, Report.id == ReportEvent.report_id)
                .where(
                    ReportEvent.action.in_(("return", "add_info")),
                    ReportEvent.created_at > since,
                    Report.status == "received",
                    visible_clause(user),
                )
                .group_by(ReportEvent.action)
            ).all()
        )
        news.returned, news.answered = counts.get("return", 0), counts.get("add_info", 0)
    # Still open: finished cases keep their card as a record, and there are many of them.
    news.overdue = db.session.scalar(
        select(func.count(Report.id)).where(
            Report.card == "red",
            Report.status.in_(OPEN_STATES),
            Report.card_changed_at > since,
            visible_clause(user),
        )
    )
    return news
