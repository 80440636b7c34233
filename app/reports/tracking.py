"""Finding a report by the tracking number and key a reporter holds."""

from sqlalchemy import select

from app.core.errors import NotFound
from app.extensions import db
from app.reports.models import Report
from app.reports.tracking_keys import canonical_tracking_no, key_matches


def find_by_tracking(tracking_no: str, key: str | None) -> Report:
    """A wrong key looks exactly like an unknown number: 404, nothing revealed.

    The number is matched in any case; the key as tracking_keys says."""
    number = canonical_tracking_no(tracking_no)
    report = db.session.scalars(select(Report).where(Report.tracking_no == number)).first()
    if report is None or not key_matches(report.tracking_key_hash, key):
        raise NotFound("no report with that tracking number and key")
    return report
