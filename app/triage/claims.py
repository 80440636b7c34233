"""Leases on queued reports, so two cleaners never work the same report at once.

PostgreSQL: the claim query locks the rows it takes and skips rows another claim has locked.
SQLite: every transaction begins IMMEDIATE (core.database), so claims run one after another.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, or_, select

from app.accounts.models import User
from app.core.clock import in_shanghai, now
from app.core.errors import Conflict, InvalidTransition
from app.extensions import db
from app.lifecycle.policy import report_for, visible_clause
from app.lifecycle.states import QUEUED
from app.reports.models import Report
from app.triage.models import ReportSuggestion
from app.triage.presort import before_queue_read

QUEUE_STATUS = "received"
# Reports a suggestion has not reached yet sort with the low ones (see suggestions.ensure_fresh).
RANK = func.coalesce(ReportSuggestion.risk_rank, 1)
# Most urgent first, then oldest first.
QUEUE_ORDER = (RANK.desc(), Report.created_at.asc(), Report.id.asc())


def lease() -> timedelta:
    return timedelta(seconds=int(current_app.config["QUEUE_LEASE_SECONDS"]))


def claim_is_active(report: Report, at: datetime | None = None) -> bool:
    at = at or now()
    return (
        report.claimed_by_user_id is not None
        and report.claim_expires_at is not None
        and report.claim_expires_at > at
    )


def unclaimed(at: datetime) -> ColumnElement[bool]:
    """No live lease: never claimed, released, or the lease ran out."""
    return or_(
        Report.claimed_by_user_id.is_(None),
        Report.claim_expires_at.is_(None),
        Report.claim_expires_at <= at,
    )


def held_by(user: User, at: datetime) -> ColumnElement[bool]:
    return and_(Report.claimed_by_user_id == user.id, Report.claim_expires_at > at)


def queue_query(user: User):
    """Reports waiting for a cleaner in `user`'s scope, most urgent first."""
    return (
        select(Report)
        .outerjoin(ReportSuggestion, ReportSuggestion.report_id == Report.id)
        .where(Report.status == QUEUE_STATUS, visible_clause(user))
        .order_by(*QUEUE_ORDER)
    )


def claim_next(user: User, limit: int) -> list[Report]:
    """Lease up to `limit` unclaimed reports from the top of the queue to `user`."""
    before_queue_read(user)
    at = now()
    query = (
        queue_query(user)
        .where(unclaimed(at))
        .limit(limit)
        # FOR NO KEY UPDATE (what the UPDATE of the lease takes anyway): claims still exclude
        # each other, but no longer skip a report the pre-sorter is sorting (it holds a KEY
        # SHARE lock, app.triage.presort.waiting), which made a claim come back empty while
        # the queue was full.
        .with_for_update(skip_locked=True, of=Report, key_share=True)
    )
    reports = list(db.session.scalars(query))
    expires = at + lease()
    for report in reports:
        report.claimed_by_user_id, report.claim_expires_at = user.id, expires
    db.session.flush()
    return reports


def claim_report(user: User, report_id: int) -> Report:
    """Lease one named report (or renew the caller's lease); 409 if another cleaner holds it."""
    report = report_for(user, report_id, for_update=True)
    take_claim(report, user)
    db.session.flush()
    return report


def take_claim(report: Report, user: User) -> None:
    at = now()
    if report.status not in QUEUED:
        raise InvalidTransition(f"report {report.id} is {report.status}, not waiting for triage")
    if claim_is_active(report, at) and report.claimed_by_user_id != user.id:
        holder = db.session.get(User, report.claimed_by_user_id)
        name = (holder.display_name or holder.username) if holder else "another cleaner"
        raise Conflict(
            f"report {report.id} is being handled by {name} until "
            f"{in_shanghai(report.claim_expires_at):%H:%M} (Shanghai); pick another one"
        )
    report.claimed_by_user_id, report.claim_expires_at = user.id, at + lease()


def clear_claim(report: Report) -> None:
    report.claimed_by_user_id, report.claim_expires_at = None, None


def release(user: User, report_ids: list[int]) -> tuple[list[int], list[int]]:
    """Give back the caller's leases on these reports: (released, not held by the caller)."""
    wanted = sorted(set(report_ids))
    held = set(
        db.session.scalars(
            select(Report)
            .where(Report.id.in_(wanted), Report.claimed_by_user_id == user.id)
            .order_by(Report.id)
            .with_for_update()
        )
    )
    for report in held:
        clear_claim(report)
    db.session.flush()
    released = sorted(r.id for r in held)
    return released, [i for i in wanted if i not in released]
