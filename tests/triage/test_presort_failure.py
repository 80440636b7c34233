"""Pre-sorting never costs a report: a failure, in the database or in Python, leaves it
stored without suggestions, and the transaction goes on (its event, the webhook outbox)."""

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.reports.models import Report, ReportEvent
from app.triage import suggestions
from app.triage.models import ReportSuggestion


def _fails_in_the_database(*_args, **_kwargs):
    # On PostgreSQL this aborts the transaction: only the savepoint keeps the report.
    db.session.execute(text("SELECT * FROM no_such_table"))


def _fails_in_python(*_args, **_kwargs):
    raise ValueError("a rule written badly")


@pytest.mark.parametrize("compute", [_fails_in_the_database, _fails_in_python])
def test_a_report_whose_presort_fails_is_stored_unsorted(file_report, monkeypatch, compute):
    monkeypatch.setattr(suggestions, "compute", compute)
    report = file_report()
    assert db.session.get(Report, report.id) is not None
    assert db.session.get(ReportSuggestion, report.id) is None
    events = select(func.count()).where(ReportEvent.report_id == report.id)
    assert db.session.scalar(events) == 1
    monkeypatch.undo()
    assert db.session.get(ReportSuggestion, file_report().id) is not None  # the next is sorted


def test_a_presort_that_works_is_kept(file_report):
    report = file_report()
    assert db.session.get(ReportSuggestion, report.id).report_id == report.id
