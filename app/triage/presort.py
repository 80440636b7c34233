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
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.spatial import is_sqlite
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


# The advisory locks' first key: "pre-sorting report <id>" (PostgreSQL).
PRESORT_LOCK = 19_0001
# How far past its batch a pre-sorter looks for reports no other one holds.
CANDIDATES_PER_REPORT = 4


def waiting(user: User | None = None, limit: int = READ_BATCH):
    """Queued reports without suggestions, oldest first; `user`: only those in their scope.

    PostgreSQL: two pre-sorters (or a cleaner's read) take different reports, each report
    held by a transaction-scoped advisory lock and skipped by the others. The rows themselves
    get only a KEY SHARE lock (keeps them from being deleted): a row lock that claims
    conflict with would make a cleaner's claim skip every report being sorted, and come back
    empty with a full queue (app.triage.claims.claim_next)."""
    unsorted = (Report.status == "received", ReportSuggestion.report_id.is_(None))
    if user is not None:
        unsorted = (*unsorted, visible_clause(user))
    # Who sent it (the created event's address) counts towards the flood checks.
    events = selectinload(Report.events)
    if is_sqlite():  # one writer at a time: nothing to share out
        return (
            select(Report)
            .outerjoin(ReportSuggestion, ReportSuggestion.report_id == Report.id)
            .where(*unsorted)
            .order_by(Report.id)
            .limit(limit)
            .options(events)
        )
    # The oldest candidates first (a LIMIT keeps the lock test out of this subquery), then
    # the first `limit` of them this transaction can lock: only those are locked.
    candidates = (
        select(Report.id)
        .outerjoin(ReportSuggestion, ReportSuggestion.report_id == Report.id)
        .where(*unsorted)
        .order_by(Report.id)
        .limit(limit * CANDIDATES_PER_REPORT)
        .subquery()
    )
    mine = (
        select(candidates.c.id)
        .where(func.pg_try_advisory_xact_lock(PRESORT_LOCK, candidates.c.id))
        .limit(limit)
    )
    return (
        select(Report)
        .where(Report.id.in_(mine))
        .order_by(Report.id)
        .options(events)
        .with_for_update(skip_locked=True, of=Report, read=True, key_share=True)
    )


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
