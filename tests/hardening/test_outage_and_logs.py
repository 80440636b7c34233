"""Database down is a 503 with Retry-After and one log line; logs hold no phones or values."""

import logging

import pytest
from sqlalchemy import text

from app import create_app
from app.core.request_log import JsonFormatter, MaskingFormatter
from app.extensions import db
from tests.conftest import base_config


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'no-such-dir' / 'jiefen.db'}"
    else:
        url = "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2"
    app = create_app(base_config(url))
    yield app
    with app.app_context():
        db.engine.dispose()


class Kept(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_database_down_is_a_503_with_retry_after_and_one_line(unreachable):
    client = unreachable.test_client()
    kept = Kept()
    logging.getLogger("app").addHandler(kept)
    try:
        response = client.get("/api/v1/categories")
    finally:
        logging.getLogger("app").removeHandler(kept)
    assert response.status_code == 503 and response.json["code"] == 503
    assert int(response.headers["Retry-After"]) > 0
    errors = [r for r in kept.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert client.get("/readyz").status_code == 503


def test_sql_errors_in_logs_carry_no_parameters(app, caplog):
    try:
        db.session.execute(
            text("SELECT * FROM no_such_table WHERE x = :phone"), {"phone": "13812345678"}
        )
    except Exception as error:
        message = str(error)
    db.session.rollback()
    assert "13812345678" not in message


@pytest.mark.parametrize("formatter", [JsonFormatter(), MaskingFormatter()])
def test_every_log_line_masks_phones(formatter):
    try:
        raise ValueError("reporter 13812345678 could not be saved")
    except ValueError:
        record = logging.LogRecord(
            "app.errors", logging.ERROR, __file__, 1, "call %s back", ("13987654321",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    line = formatter.format(record)
    assert "13812345678" not in line and "13987654321" not in line
    assert "138****5678" in line and "139****4321" in line
