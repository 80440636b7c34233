"""The four kinds of state a report can be in (as FixMyStreet gives every state a type).

queued:   waiting for the centre's cleaner (triage, or the reporter's answer);
open:     with a unit, clocks running;
finished: the unit reported a result; a call-back, a reopening or the close may follow;
terminal: nothing more happens to the case but the archive.

Every list of states elsewhere (the queue, both overdue lists, cards, statistics, the tracking
page, the CLI) is one of these or built from them, so a new state is sorted here once.
"""

from sqlalchemy import ColumnElement, and_

from app.reports.models import STATUSES, Report

QUEUED = ("received", "needs_info")
OPEN = ("dispatched", "accepted", "in_progress")
FINISHED = ("resolved", "closed")
TERMINAL = ("archived", "rejected", "merged")

STATE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "queued": QUEUED,
    "open": OPEN,
    "finished": FINISHED,
    "terminal": TERMINAL,
}
assert sorted(s for states in STATE_CATEGORIES.values() for s in states) == sorted(STATUSES)

# Where a unit has (or had) the case: what a responder may read of their unit's work.
WITH_A_UNIT = (*OPEN, *FINISHED, "archived")
# Cards (红黄牌) are shown on open cases only.
CARDED = ("yellow", "red")


def category_of(status: str) -> str:
    return next(name for name, states in STATE_CATEGORIES.items() if status in states)


def is_queued(status: str) -> bool:
    return status in QUEUED


def is_open(status: str) -> bool:
    return status in OPEN


def is_finished(status: str) -> bool:
    return status in FINISHED


def is_terminal(status: str) -> bool:
    return status in TERMINAL


def overdue_clause(card: str | None = None) -> ColumnElement[bool]:
    """Open cases under a yellow or red card (or the one `card`): the one definition of
    'overdue' that 督办 (workflow.supervision) and the dashboard (stats.overdue) both list."""
    return and_(Report.status.in_(OPEN), Report.card.in_((card,) if card else CARDED))
