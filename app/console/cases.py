"""The case lists of the console: a unit's workbench by urgency, the supervisors' search."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import load_only

from app.accounts.models import User
from app.core.clock import SHANGHAI, now
from app.core.errors import Invalid
from app.extensions import db
from app.lifecycle.states import OPEN as OPEN_STATES
from app.reports.access import visible_clause
from app.reports.models import CARDS, STATUSES, Report

PAGE_SIZE = 50
TRACKING_NO = re.compile(r"^[A-Z]{2}\d{6}[A-Z0-9]{4,16}$")
# 未结案: everything not finished, from the queue to the call-back.
NOT_CLOSED = ("received", "needs_info", *OPEN_STATES, "resolved")
# The unit's four piles, in the order a responder works them.
GROUPS = (
    ("overdue", "超期"),
    ("due_soon", "临期"),
    ("to_accept", "待签收"),
    ("in_hand", "办理中"),
)


def group_of(report: Report) -> str:
    if report.card == "red":
        return "overdue"
    if report.card == "yellow":
        return "due_soon"
    return "to_accept" if report.status == "dispatched" else "in_hand"


def deadline_of(report: Report) -> datetime | None:
    """The deadline that matters now: accepting while dispatched, then resolving."""
    if report.status == "dispatched" and report.accept_due_at is not None:
        return report.accept_due_at
    return report.due_at


def countdown(deadline: datetime | None, at: datetime | None = None) -> str:
    if deadline is None:
        return "无期限"
    left = deadline - (at or now())
    hours = abs(left.total_seconds()) / 3600
    amount = f"{hours:.0f} 小时" if hours < 48 else f"{hours / 24:.1f} 天"
    return f"剩余 {amount}" if left.total_seconds() >= 0 else f"已超期 {amount}"


# What a list row shows of a case: loading whole rows (sixty columns, two geometries) for a
# page of cases cost more than the page.
ROW_COLUMNS = (
    Report.tracking_no, Report.status, Report.risk_level, Report.card, Report.accept_due_at,
    Report.due_at, Report.description, Report.created_at, Report.unit_code,
)  # fmt: skip
PILE_ROWS = 50
pile_column = case(
    (Report.card == "red", "overdue"),
    (Report.card == "yellow", "due_soon"),
    (Report.status == "dispatched", "to_accept"),
    else_="in_hand",
)


@dataclass
class Workbench:
    piles: dict[str, list[Report]]
    counts: dict[str, int]


def unit_workbench(user: User) -> Workbench:
    """My unit's open cases in four piles, each by nearest deadline first (the first few)."""
    bench = Workbench({key: [] for key, _ in GROUPS}, dict.fromkeys((k for k, _ in GROUPS), 0))
    if not user.unit_code:
        return bench
    mine = (Report.unit_code == user.unit_code, Report.status.in_(OPEN_STATES))
    counts = select(pile_column, func.count(Report.id)).where(*mine).group_by(pile_column)
    bench.counts.update(db.session.execute(counts).tuples().all())
    deadline = func.coalesce(Report.accept_due_at, Report.due_at)
    for key, _ in GROUPS:
        if not bench.counts[key]:
            continue
        bench.piles[key] = list(
            db.session.scalars(
                select(Report)
                .options(load_only(*ROW_COLUMNS))
                .where(*mine, pile_column == key)
                .order_by(deadline.asc().nulls_last(), Report.id)
                .limit(PILE_ROWS)
            )
        )
    return bench


@dataclass
class Search:
    q: str = ""
    area: str = ""
    category: str = ""
    status: str = ""
    card: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> "Search":
        search = cls(
            q=(args.get("q") or "").strip()[:100],
            area=(args.get("area") or "").strip(),
            category=(args.get("category") or "").strip(),
            status=(args.get("status") or "").strip(),
            card=(args.get("card") or "").strip(),
        )
        if search.status and search.status not in (*STATUSES, "open"):
            raise Invalid.field("status", "未知的状态", "query")
        if search.card and search.card not in CARDS:
            raise Invalid.field("card", "未知的牌", "query")
        search.since = _day(args.get("since"), "since")
        search.until = _day(args.get("until"), "until")
        return search

    @property
    def empty(self) -> bool:
        return not any((self.q, self.area, self.category, self.status, self.card)) and not (
            self.since or self.until
        )


def _day(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid.field(name, "日期格式应为 2026-01-31", "query") from None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


def search_cases(user: User, search: Search, limit: int = PAGE_SIZE) -> list[Report]:
    """Cases in the caller's reach matching every filter given, newest first."""
    query = select(Report).where(visible_clause(user))
    if search.q:
        number = search.q.upper()
        query = query.where(
            or_(
                Report.tracking_no == number, Report.description.contains(search.q, autoescape=True)
            )
        )
    if search.area:
        query = query.where(
            or_(
                Report.subdistrict_code == search.area,
                Report.area_path.contains(f"/{search.area}/", autoescape=True),
            )
        )
    if search.category:
        query = query.where(
            or_(
                Report.category_code == search.category,
                Report.category_code.startswith(f"{search.category}.", autoescape=True),
            )
        )
    if search.status == "open":
        query = query.where(Report.status.in_(NOT_CLOSED))
    elif search.status:
        query = query.where(Report.status == search.status)
    if search.card:
        query = query.where(Report.card == search.card)
    if search.since:
        query = query.where(Report.created_at >= _start_of(search.since))
    if search.until:
        query = query.where(Report.created_at < _start_of(search.until + timedelta(days=1)))
    query = query.options(load_only(*ROW_COLUMNS)).order_by(Report.created_at.desc())
    return list(db.session.scalars(query.limit(limit)))
