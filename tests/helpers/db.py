"""Reading back what a request changed."""

from app.extensions import db
from app.reports.models import Report


def reload(report: Report) -> Report:
    """The report as the database has it now (requests share the test's session)."""
    db.session.expire_all()
    return db.session.get(Report, report.id)
