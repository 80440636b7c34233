"""Finding a report by the tracking number and key a reporter holds."""

import hmac

from sqlalchemy import select

from app.core.errors import NotFound
from app.extensions import db
from app.reports.intake import hash_tracking_key
from app.reports.models import Report


def find_by_tracking(tracking_no: str, key: str | None) -> Report:
    """A wrong key looks exactly like an unknown number: 404, nothing revealed."""
    report = db.session.scalars(select(Report).where(Report.tracking_no == tracking_no)).first()
    if (
        report is None
        or not key
        or not hmac.compare_digest(report.tracking_key_hash, hash_tracking_key(key))
    ):
        raise NotFound("no report with that tracking number and key")
    return report
