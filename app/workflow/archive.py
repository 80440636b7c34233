"""整理归档: archived cases as read-only records, and removing reporters' contact data.

Archiving itself is a step of the lifecycle (app.lifecycle.ending.archive)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.core.clock import now
from app.core.errors import Conflict
from app.extensions import db
from app.lifecycle.engine import SYSTEM
from app.photos.models import Photo
from app.reports.anonymise import erase_personal_data, forget_kept_answers
from app.reports.events import record_event
from app.reports.models import Report, ReportEvent

_ALLOW = "archived_writes_allowed"


@contextmanager
def archived_writes_allowed() -> Iterator[None]:
    """For the one legitimate change to archived cases: anonymisation."""
    db.session.info[_ALLOW] = True
    try:
        yield
    finally:
        db.session.info.pop(_ALLOW, None)


def _was_archived(session: Session, report: Report) -> bool:
    state = inspect(report)
    if "status" in state.unloaded:
        with session.no_autoflush:
            report.status  # noqa: B018  (loads the stored value; pending changes are kept)
    history = state.attrs.status.history
    stored = history.deleted or history.unchanged
    return bool(stored) and stored[0] == "archived"


def _refuse_archived_writes(session: Session, _context, _instances) -> None:
    """Whoever writes (any module, any endpoint), an archived case stays as it was archived."""
    if session.info.get(_ALLOW):
        return
    touched = [
        obj
        for obj in session.dirty
        if isinstance(obj, Report) and session.is_modified(obj, include_collections=False)
    ]
    with session.no_autoflush:
        for obj in session.new:
            if isinstance(obj, ReportEvent | Photo):
                report = getattr(obj, "report", None) or session.get(Report, obj.report_id)
                if report is not None:
                    touched.append(report)
    for report in touched:
        if report in session.new:
            continue
        if _was_archived(session, report):
            raise Conflict(
                f"report {report.id} is archived and read-only",
                {"json": {"action": ["the case is archived"]}},
            )


def install_read_only_guard() -> None:
    if not event.contains(Session, "before_flush", _refuse_archived_writes):
        event.listen(Session, "before_flush", _refuse_archived_writes)


def anonymise_archived(
    older_than: timedelta | None = None, at: datetime | None = None
) -> list[int]:
    """Erase what identifies a person (reports.anonymise) from cases archived longer than the
    period."""
    at = at or now()
    if older_than is None:
        older_than = timedelta(days=int(current_app.config["ANONYMISE_AFTER_DAYS"]))
    reports = db.session.scalars(
        select(Report)
        .where(
            Report.status == "archived",
            Report.archived_at <= at - older_than,
            Report.anonymised_at.is_(None),
        )
        .order_by(Report.id)
        .with_for_update(skip_locked=True)
    ).all()
    with archived_writes_allowed():
        for report in reports:
            cleared = erase_personal_data(report)
            report.anonymised_at = at
            record_event(
                report,
                "anonymised",
                role=SYSTEM.role,
                payload={"fields": cleared, "archived_at": report.archived_at.isoformat()},
            )
        forget_kept_answers(at - older_than)
        db.session.flush()
    return [r.id for r in reports]
