"""A report filed under its client_uuid is its own retry record (issue 19: one row, not two).

The client_uuid is already unique on reports, so a retry meets that key whatever else keeps
it; what a record row added is the request's fingerprint (a conflicting retry is a 409) and
whose key it was. The fingerprint now sits on the report; whose key it was is the reporter
(`user:<id>` for staff, `public` for a resident). Keys sent in the Idempotency-Key header
are not on the report and keep their record row (app.core.idempotency).
"""

from sqlalchemy import select

from app.core.idempotency import PUBLIC, Done, Keyed, Outcome, same_request, stored, user_scope
from app.extensions import db
from app.reports.models import Report

_BY_CLIENT_UUID = select(Report.id, Report.reporter_user_id, Report.request_fingerprint)


def held_by_report(keyed: Keyed) -> Outcome | None:
    """What was filed under this client_uuid in this scope; None if nothing; 409 if the
    request differs. A report that keeps no fingerprint (filed with an Idempotency-Key, or
    before migration 0025 moved its record) is answered from its record row, if any."""
    row = db.session.execute(_BY_CLIENT_UUID.where(Report.client_uuid == keyed.key)).first()
    if row is None or row.request_fingerprint is None:
        return stored(keyed)
    owner = user_scope(row.reporter_user_id) if row.reporter_user_id else PUBLIC
    if owner != keyed.scope:
        return None
    same_request(row.request_fingerprint, keyed)
    return Outcome(Done(201, "report", row.id), replayed=True)
