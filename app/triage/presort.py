"""Pre-sorting beside intake rather than inside it (PRESORT_AT_INTAKE off).

Pre-sorting is half of what filing a report costs. With PRESORT_AT_INTAKE off, intake stores
the report, its event and its outbox rows and answers; `flask triage presort --every 1` sorts
what arrived, a batch at a time, moments later. A cleaner never sees the gap: reading or
claiming the queue first sorts whatever in their scope is still waiting, so an urgent report
cannot sort low for want of its suggestions. (With PRESORT_AT_INTAKE on, reads skip that
look: it costs a scan of the waiting reports, and intake has sorted them all.)
"""

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.extensions import db
from app.lifecycle.policy import visible_clause
from app.reports.models import Report
from app.triage.models import ReportSuggestion
from app.triage.rules import RuleSet
from app.triage.suggestions import STORED, presort

log = logging.getLogger(__name__)
# A cleaner's read sorts at most this many first; more waiting means the pre-sorter is not
# running (or not keeping up), which is logged rather than making the read slow.
READ_BATCH = 100


def waiting(user: User | None = None, limit: int = READ_BATCH):
    """Queued reports without suggestions, oldest first; `user`: only those in their scope.
    Locked and skipped if locked (PostgreSQL), so two pre-sorters take different reports."""
    query = (
        select(Report)
        .outerjoin(ReportSuggestion, ReportSuggestion.report_id == Report.id)
        .where(Report.status == "received", ReportSuggestion.report_id.is_(None))
        .order_by(Report.id)
        .limit(limit)
        # Who sent it (the created event's address) counts towards the flood checks.
        .options(selectinload(Report.events))
        .with_for_update(skip_locked=True, of=Report)
    )
    return query if user is None else query.where(visible_clause(user))


def presort_waiting(user: User | None = None, limit: int = READ_BATCH) -> int:
    """Store suggestions for up to `limit` waiting reports in the caller's transaction."""
    reports = list(db.session.scalars(waiting(user, limit)))
    if not reports:
        return 0
    rules = RuleSet.load()
    stored = sum(presort(report, rules) for report in reports)
    if stored:
        db.session.info[STORED] = True
    if user is not None and len(reports) == limit:
        log.warning("over %s reports wait for pre-sorting: is `flask triage presort` on?", limit)
    return stored


def before_queue_read(user: User) -> None:
    """What a cleaner is about to read or claim is sorted, when intake leaves it for later."""
    if not current_app.config["PRESORT_AT_INTAKE"]:
        presort_waiting(user)
