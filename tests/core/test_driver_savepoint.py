"""driver_savepoint: a step's failure undoes the step only; unreleased, it is ended by what
encloses it (intake's one transaction per report), one round trip fewer per report."""

import pytest
from sqlalchemy import text

from app.core.database import driver_savepoint
from app.extensions import db


def _driver(statement: str) -> None:
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def _rows() -> list[int]:
    return list(db.session.execute(text("SELECT n FROM probe ORDER BY n")).scalars())


@pytest.fixture
def probe(app):
    db.session.execute(text("CREATE TEMPORARY TABLE probe (n INTEGER)"))
    yield
    db.session.execute(text("DROP TABLE probe"))


def test_a_failed_step_is_undone_and_the_transaction_goes_on(probe):
    db.session.execute(text("INSERT INTO probe VALUES (1)"))
    with pytest.raises(ValueError), driver_savepoint(db.session, "step", release=False):
        db.session.execute(text("INSERT INTO probe VALUES (2)"))
        raise ValueError("the step failed")
    db.session.execute(text("INSERT INTO probe VALUES (3)"))
    assert _rows() == [1, 3]


def test_an_unreleased_savepoint_stays_open_until_what_encloses_it_ends(probe):
    with driver_savepoint(db.session, "enclosing"):
        with driver_savepoint(db.session, "step", release=False):
            db.session.execute(text("INSERT INTO probe VALUES (1)"))
        _driver("ROLLBACK TO SAVEPOINT step")  # still there: it can be rolled back to
        assert _rows() == []
        with driver_savepoint(db.session, "step", release=False):
            db.session.execute(text("INSERT INTO probe VALUES (2)"))
    # The enclosing savepoint's release ended the step's too, and kept its row.
    with pytest.raises(Exception, match=r"(?i)savepoint"), driver_savepoint(db.session, "after"):
        _driver("ROLLBACK TO SAVEPOINT step")
    assert _rows() == [2]


def test_a_released_savepoint_is_gone(probe):
    with (
        pytest.raises(Exception, match=r"(?i)savepoint"),
        driver_savepoint(db.session, "enclosing"),
    ):
        with driver_savepoint(db.session, "step"):
            db.session.execute(text("INSERT INTO probe VALUES (1)"))
        _driver("ROLLBACK TO SAVEPOINT step")
    assert _rows() == []  # the enclosing one rolled back when the look failed
