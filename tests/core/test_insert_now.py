"""insert_now: one INSERT per new object, NULLs left to the database, the key from RETURNING."""

from sqlalchemy import event, select

from app.core.clock import now
from app.core.database import insert_now
from app.extensions import db
from app.reports.intake import new_tracking_no
from app.reports.models import Report, ReportEvent


def _statements(run) -> list[tuple[str, object]]:
    seen = []

    def spy(_conn, _cursor, statement, parameters, *_args):
        if statement.startswith("INSERT"):  # not SQLite's BEGIN IMMEDIATE
            seen.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    return seen


def test_a_report_is_inserted_without_its_empty_columns(app):
    report = Report(
        tracking_no=new_tracking_no(now()),
        tracking_key_hash="x" * 64,
        channel="walk_in",
        description="邻居装修噪音",
    )
    [(statement, parameters)] = _statements(lambda: insert_now(db.session, report))
    # Past 50 parameters psycopg would parse the statement again on every report filed.
    assert statement.startswith("INSERT INTO reports") and len(parameters) < 50
    assert "closed_at" not in statement and "description" in statement
    assert report.id is not None and report.closed_at is None
    assert report.status == "received" and report.do_not_publish is False  # Python defaults
    db.session.commit()
    row = db.session.execute(
        select(Report.status, Report.closed_at, Report.do_not_publish).where(Report.id == report.id)
    ).one()
    assert tuple(row) == ("received", None, False)


def test_an_object_whose_key_is_none_gets_it_from_the_database(app):
    report = insert_now(
        db.session,
        Report(
            tracking_no=new_tracking_no(now()),
            tracking_key_hash="x" * 64,
            channel="walk_in",
            description="x",
        ),
    )
    filed = insert_now(db.session, ReportEvent(id=None, report_id=report.id, action="created"))
    assert filed.id is not None
    db.session.commit()
    assert db.session.get(ReportEvent, filed.id).action == "created"
