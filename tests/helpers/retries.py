"""What keeps a keyed write safe to retry, read straight from the tables: a record row
(Idempotency-Key headers, lifecycle steps) or, for a report filed under its client_uuid, the
report itself (its unique client_uuid and the request's fingerprint beside it)."""

from sqlalchemy import select

from app.core.idempotency import PUBLIC, IdempotencyRecord, user_scope
from app.extensions import db
from app.reports.models import Report


def kept_retries(scope: str, key: str) -> list[tuple[str, int, int, str]]:
    """(resource, id, status, fingerprint) of every retry record kept under this key."""
    records = db.session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    ).all()
    kept = [(r.resource, r.resource_id, r.status, r.fingerprint) for r in records]
    for report in db.session.scalars(
        select(Report).where(Report.client_uuid == key, Report.request_fingerprint.is_not(None))
    ):
        owner = user_scope(report.reporter_user_id) if report.reporter_user_id else PUBLIC
        if owner == scope:
            kept.append(("report", report.id, 201, report.request_fingerprint))
    return kept
