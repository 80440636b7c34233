"""The deadline sweep (`flask sla sweep`): cards for open cases, and red cases sent up a tier.

Safe on several servers at once, every minute: a card changes by a conditional UPDATE that
matches only the row as it was read (same status, card and deadlines), so of two sweeps only
one writes the change and its event; escalation takes the row with FOR UPDATE SKIP LOCKED on
PostgreSQL (SQLite's BEGIN IMMEDIATE serialises whole transactions instead). Card changes do
not bump the report's version: a responder's form open at that moment still submits.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from app.core.clock import now
from app.core.errors import Conflict
from app.extensions import db
from app.lifecycle.engine import SYSTEM, apply
from app.lifecycle.states import OPEN
from app.reports.models import Report
from app.workflow.cards import card_event, card_for

log = logging.getLogger(__name__)

DEADLINE_COLUMNS = ("accept_yellow_at", "accept_due_at", "yellow_at", "due_at")


def _deadline_columns():
    return [getattr(Report, name) for name in DEADLINE_COLUMNS]


@dataclass
class SweepResult:
    cards: dict[int, tuple[str, str]] = field(default_factory=dict)  # report id → (from, to)
    escalated: list[int] = field(default_factory=list)
    # 三级调解: escalated because the tier used its mediation attempts or days (also in escalated)
    by_attempt_rule: list[int] = field(default_factory=list)
    # Co-unit parts and summons: part id → (from card, to card)
    part_cards: dict[int, tuple[str, str]] = field(default_factory=dict)
    not_escalated: dict[int, str] = field(default_factory=dict)  # report id → why

    @property
    def changed(self) -> bool:
        return bool(self.cards or self.escalated or self.not_escalated)

    def summary(self) -> str:
        return (
            f"cards changed {len(self.cards)}, escalated {len(self.escalated)}, "
            f"could not escalate {len(self.not_escalated)}"
        )


def _card_candidates(at: datetime):
    """Open cases whose card may be wrong now: a warning passed, or a card already shown."""
    return db.session.execute(
        select(Report.id, Report.status, Report.card, *_deadline_columns())
        .where(
            Report.status.in_(OPEN),
            or_(
                Report.card != "none",
                Report.yellow_at <= at,
                and_(Report.status == "dispatched", Report.accept_yellow_at <= at),
            ),
        )
        .order_by(Report.id)
    ).all()


def update_cards(at: datetime, result: SweepResult) -> None:
    for row in _card_candidates(at):
        to = card_for(row.status, *(getattr(row, c) for c in DEADLINE_COLUMNS), at)
        if to == row.card:
            continue
        # Only the row as it was read: another sweep, or a person, may have changed it since.
        unchanged = [
            column.is_not_distinct_from(getattr(row, column.key)) for column in _deadline_columns()
        ]
        written = db.session.execute(
            update(Report)
            .where(Report.id == row.id, Report.status == row.status, Report.card == row.card)
            .where(*unchanged)
            .values(card=to, card_changed_at=at)
            .execution_options(synchronize_session=False)
        )
        if written.rowcount == 1:
            report = db.session.get(Report, row.id, populate_existing=True)
            card_event(report, row.card, to)
            result.cards[row.id] = (row.card, to)


def escalate_red(at: datetime, result: SweepResult) -> None:
    """Red for longer than ESCALATE_RED_AFTER_HOURS: up one tier (the district tier is the top)."""
    grace = timedelta(hours=float(current_app.config["ESCALATE_RED_AFTER_HOURS"]))
    due = and_(
        Report.status.in_(OPEN),
        Report.card == "red",
        Report.card_changed_at <= at - grace,
        or_(Report.tier.is_(None), Report.tier != "district"),
    )
    for report_id in db.session.scalars(select(Report.id).where(due).order_by(Report.id)).all():
        report = db.session.scalars(
            select(Report)
            .where(Report.id == report_id, due)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).first()
        if report is None:  # another sweep has it, or it changed since
            continue
        hours = f"{grace.total_seconds() / 3600:g}"
        try:
            reason = f"红牌超过{hours}小时未处理，自动升级到上一级"
            apply(report, "escalate", SYSTEM, {"reason": reason, "cause": "red_card"})
        except Conflict as error:
            log.warning("report %s not escalated: %s", report_id, error.message)
            result.not_escalated[report_id] = error.message
        else:
            result.escalated.append(report_id)


def escalate_by_attempt_rule(at: datetime, result: SweepResult) -> None:
    from app.mediation.sweep import escalate_spent

    escalated, refused = escalate_spent(at)
    result.by_attempt_rule += escalated
    result.escalated += escalated
    result.not_escalated.update(refused)


def sweep(at: datetime | None = None) -> SweepResult:
    """One pass over the open cases; the caller commits."""
    at = at or now()
    result = SweepResult()
    update_cards(at, result)
    escalate_red(at, result)
    escalate_by_attempt_rule(at, result)
    from app.mediation.parts import update_part_cards

    result.part_cards = update_part_cards(at)
    db.session.flush()
    return result
