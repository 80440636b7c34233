"""Yellow and red cards (红黄牌): which card a case deserves now, and changing it on the record."""

from datetime import datetime

from app.core.clock import now
from app.lifecycle.engine import SYSTEM
from app.lifecycle.states import OPEN, QUEUED
from app.reports.events import record_event
from app.reports.models import Report

CARD_RANK = {"red": 0, "yellow": 1, "none": 2}


def card_for(
    status: str,
    accept_yellow_at: datetime | None,
    accept_due_at: datetime | None,
    yellow_at: datetime | None,
    due_at: datetime | None,
    at: datetime,
) -> str:
    """Red past a deadline, yellow past its warning; the accept deadline counts until accepted."""
    if status not in OPEN:
        return "none"
    pairs = [(yellow_at, due_at)]
    if status == "dispatched":
        pairs.append((accept_yellow_at, accept_due_at))
    if any(due is not None and at >= due for _, due in pairs):
        return "red"
    if any(warn is not None and at >= warn for warn, _ in pairs):
        return "yellow"
    return "none"


def report_card_for(report: Report, at: datetime) -> str:
    return card_for(
        report.status,
        report.accept_yellow_at,
        report.accept_due_at,
        report.yellow_at,
        report.due_at,
        at,
    )


def card_event(report: Report, before: str, after: str) -> None:
    record_event(report, "card_changed", role=SYSTEM.role, payload={"from": before, "to": after})


def refresh_card(report: Report, at: datetime | None = None) -> None:
    """Give an open case the card its deadlines call for now, with a `card_changed` event.

    Resolved and later cases keep the card they finished with: it is part of their record.
    """
    at = at or now()
    if report.status not in OPEN and report.status not in QUEUED:
        return
    after = report_card_for(report, at)
    if after != report.card:
        card_event(report, report.card, after)
        report.card, report.card_changed_at = after, at
