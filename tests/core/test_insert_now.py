"""insert_now: one INSERT per new object, NULLs left to the database, the key from RETURNING."""

from datetime import timedelta

import pytest
from geoalchemy2.functions import ST_AsText
from sqlalchemy import event, exc, insert, inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from app.core.clock import now
from app.core.database import commit_answered, driver_insert, insert_now, insert_values
from app.core.idempotency import IdempotencyRecord
from app.extensions import db
from app.reports.intake import new_tracking_no
from app.reports.models import Report, ReportEvent
from app.webhooks.models import OutboxEvent


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


def _bare_report(description: str = "x") -> Report:
    """A report with only the columns that have no default."""
    return Report(
        tracking_no=new_tracking_no(now()),
        tracking_key_hash="x" * 64,
        channel="walk_in",
        description=description,
    )


def test_a_report_is_inserted_without_its_empty_columns(app):
    report = _bare_report("邻居装修噪音")
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
        _bare_report(),
    )
    filed = insert_now(db.session, ReportEvent(id=None, report_id=report.id, action="created"))
    assert filed.id is not None
    db.session.commit()
    assert db.session.get(ReportEvent, filed.id).action == "created"


def _report_values(tracking_no: str) -> dict:
    # Each kind of bind processing the intake rows need: geometry, JSON-free text, a float,
    # a boolean, timestamps (UTCDateTime), the Python defaults insert_now fills in.
    moment = now()
    # Every column with a Python default given, as insert_now gives them: none left to Core.
    return {
        "tracking_no": tracking_no,
        "tracking_key_hash": "k" * 64,
        "status": "received",
        "channel": "walk_in",
        "description": "楼道里堆满杂物",
        "location": "SRID=4326;POINT(121.4737 31.2304)",
        "accuracy_m": 12.5,
        "in_coverage": True,
        "card": "none",
        "occurred_at": now() - timedelta(hours=3),
        "created_at": moment,
        "updated_at": moment,
        "return_count": 0,
        "reopen_count": 0,
        "version": 1,
        "do_not_publish": False,
    }


def _row(report_id: int) -> tuple:
    columns = [c for c in Report.__table__.c if c.key not in ("id", "tracking_no", "location")]
    return db.session.execute(
        select(*columns, ST_AsText(Report.location)).where(Report.id == report_id)
    ).one()


def test_the_driver_sends_what_core_sends_and_writes_the_same_row(app):
    table = Report.__table__
    connection = db.session.connection()
    core = _report_values(new_tracking_no(now()))
    driver = {**core, "tracking_no": new_tracking_no(now() + timedelta(seconds=1))}
    [(core_sql, core_parameters)] = _statements(
        lambda: core.update(
            id=connection.execute(insert(table).returning(table.c.id), core).scalar_one()
        )
    )
    [(driver_sql, parameters)] = _statements(
        lambda: driver.update(id=insert_values(connection, table, driver, returning=table.c.id))
    )
    sent_at_the_driver = driver_insert(table, tuple(core), table.c.id, connection.dialect)
    assert sent_at_the_driver is not None
    assert driver_sql == core_sql and len(parameters) == len(core_parameters)
    assert driver["id"] not in (None, core["id"])
    assert _row(driver["id"]) == _row(core["id"])
    assert _row(driver["id"])[-1] == "POINT(121.4737 31.2304)"


def test_a_twin_key_at_the_driver_is_sqlalchemys_integrity_error(app):
    values = _report_values(new_tracking_no(now()))
    insert_values(db.session.connection(), Report.__table__, values)
    with pytest.raises(exc.IntegrityError), db.session.begin_nested():
        insert_values(db.session.connection(), Report.__table__, values)
    assert db.session.scalar(select(Report.id).where(Report.tracking_no == values["tracking_no"]))


def test_a_python_default_of_a_column_not_given_is_filled_in_as_core_fills_it(app):
    report = insert_now(
        db.session,
        _bare_report(),
    )
    # No created_at, no receivers: Core computes their defaults, so this INSERT goes through it.
    values = {"event": "report.created", "report_id": report.id, "payload": {"事": 1}}
    table = OutboxEvent.__table__
    assert driver_insert(table, tuple(values), None, db.session.connection().dialect) is None
    insert_values(db.session.connection(), OutboxEvent.__table__, values)
    row = db.session.execute(
        select(OutboxEvent.receivers, OutboxEvent.created_at, OutboxEvent.payload).where(
            OutboxEvent.report_id == report.id
        )
    ).one()
    assert row.receivers == [] and row.created_at is not None and row.payload == {"事": 1}


def test_a_connection_outside_a_transaction_begins_one_as_core_would(app):
    values = {
        "scope": "test",
        "key": "k-1",
        "fingerprint": "f" * 64,
        "status": 201,
        "resource": "report",
        "resource_id": 1,
        "created_at": now(),
    }
    table = IdempotencyRecord.__table__
    with db.engine.connect() as connection:
        assert not connection.in_transaction()
        key = insert_values(connection, table, values, returning=table.c.id)
        assert connection.in_transaction()
        assert connection.execute(select(table.c.key).where(table.c.id == key)).scalar() == "k-1"
        connection.rollback()


def test_a_json_value_is_written_as_core_writes_it(app):
    report = insert_now(db.session, Report(**_report_values(new_tracking_no(now()))))
    table = ReportEvent.__table__
    values = {"report_id": report.id, "action": "created", "payload": {"词": ["噪音", 1]}}
    values.update(public=False, created_at=now())
    connection = db.session.connection()
    assert driver_insert(table, tuple(values), table.c.id, connection.dialect) is not None
    core = connection.execute(insert(table).returning(table.c.id), values).scalar_one()
    driver = insert_values(connection, table, values, returning=table.c.id)
    rows = db.session.execute(
        select(table.c.payload, table.c.created_at, table.c.public).where(
            table.c.id.in_([core, driver])
        )
    ).all()
    assert len(rows) == 2 and rows[0] == rows[1] == (
        {"词": ["噪音", 1]},
        values["created_at"],
        False,
    )


def test_a_rolled_back_insert_leaves_the_session_as_a_flushs_would(app):
    report = insert_now(db.session, _bare_report())
    assert report in db.session
    db.session.rollback()
    # Pending before it became persistent: the rollback expunges it, not merely expires it.
    assert report not in db.session and inspect(report).transient


def test_only_the_object_itself_is_added_not_what_it_relates_to(app):
    # A related object the caller has not written yet is the caller's to write: insert_now
    # does not cascade it into the session (the next flush would INSERT it unasked).
    unwritten = ReportEvent(action="note", payload={})
    report = _bare_report()
    set_committed_value(report, "events", [unwritten])
    insert_now(db.session, report)
    assert report in db.session and unwritten not in db.session and not db.session.new


def test_the_answered_commit_commits_and_expires_nothing(app):
    report = insert_now(db.session, _bare_report())
    commit_answered(db.session)
    # Its values stay as written: reading one asks the database nothing.
    assert not inspect(report).expired_attributes
    reads = _statements(lambda: report.description)
    assert reads == [] and report.description == "x"
    assert db.session.get(Report, report.id) is report
    # Only that commit: the session's next commit expires as every commit does.
    assert db.session().expire_on_commit
    db.session.commit()
    assert "description" in inspect(report).expired_attributes
