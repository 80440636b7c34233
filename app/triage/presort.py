"""Pre-sorting beside intake rather than inside it (PRESORT_AT_INTAKE off).

Pre-sorting is half of what filing a report costs. With PRESORT_AT_INTAKE off, intake stores
the report, its event and its outbox rows and answers; `flask triage presort --every 1` sorts
what arrived, a batch at a time, moments later. A cleaner never sees the gap: reading or
claiming the queue first sorts whatever in their scope is still waiting, so an urgent report
cannot sort low for want of its suggestions. (With PRESORT_AT_INTAKE on, reads skip that
look: it costs a scan of the waiting reports, and intake has sorted them all.)
"""

import logging

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.extensions import db
from app.reports.access import visible_clause
from app.reports.models import Report
from app.triage.models import ReportSuggestion
from app.triage.rules import RuleSet
from app.triage.suggestions import STORED, compute

log = logging.getLogger(__name__)
# A cleaner's read sorts at most this many first; more waiting means the pre-sorter is not
# running (or not keeping up), which is logged rather than making the read slow.
READ_BATCH = 100


def waiting(user: User | None = None, limit: int = READ_BATCH):
    """Queued reports without suggestions, oldest first; `user`: only those in their scope."""
    query = (
        select(Report)
        .outerjoin(ReportSuggestion, ReportSuggestion.report_id == Report.id)
        .where(Report.status == "received", ReportSuggestion.report_id.is_(None))
        .order_by(Report.id)
        .limit(limit)
        # Who sent it (the created event's address) counts towards the flood checks.
        .options(selectinload(Report.events))
    )
    if user is not None:
        query = query.where(visible_clause(user))
    if db.engine.dialect.name == "postgresql":
        # Two pre-sorters (or one and a cleaner's read) take different reports.
        query = query.with_for_update(skip_locked=True, of=Report)
    return query


def presort_waiting(user: User | None = None, limit: int = READ_BATCH) -> int:
    """Store suggestions for up to `limit` waiting reports in the caller's transaction."""
    reports = list(db.session.scalars(waiting(user, limit)))
    if not reports:
        return 0
    rules = RuleSet.load()
    stored = 0
    for report in reports:
        try:
            with db.session.begin_nested():
                db.session.add(compute(report, rules, new=True))
            stored += 1
        except Exception:
            # As at intake: a bad rule must not stop the others; the queue shows it unsorted.
            log.exception("suggestions failed for report %s; it is queued unsorted", report.id)
    if stored:
        db.session.info[STORED] = True
    if user is not None and len(reports) == limit:
        log.warning("over %s reports wait for pre-sorting: is `flask triage presort` on?", limit)
    return stored
