"""Chinese in JSON answers is UTF-8 on the wire, not \\uXXXX escapes; JSON columns store it
so too (orjson, the engine's json_serializer)."""

from datetime import datetime
from decimal import Decimal

import numpy
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from app.core.clock import now
from app.core.database import insert_now
from app.extensions import db
from app.reports.intake import new_tracking_no
from app.reports.models import Report, ReportEvent


def _report() -> Report:
    return Report(
        tracking_no=new_tracking_no(now()),
        tracking_key_hash="x" * 64,
        channel="walk_in",
        description="x",
    )


def test_chinese_is_sent_as_utf8(client):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_data()
    assert b"\\u" not in body
    names = [c["name"] for c in orjson.loads(body)]
    assert any(name.encode() in body for name in names) and any(
        "\u4e00" <= ch <= "\u9fff" for name in names for ch in name
    )


def test_errors_and_the_openapi_document_too(client):
    error = client.post("/api/v1/auth/token", json={})
    assert error.status_code == 422 and b"\\u" not in error.get_data()
    document = client.get("/api/v1/openapi.json").get_data()
    assert "解纷".encode() in document and b"\\u" not in document


def test_values_outside_orjson_convert_like_flask(app):
    assert orjson.loads(app.json.dumps({"amount": Decimal("1.50"), 3: {"a"}})) == {
        "amount": "1.50",
        "3": ["a"],
    }
    assert app.json.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a":2,"b":1}'


def _stored_text(event_id: int) -> str:
    return db.session.execute(
        text("SELECT CAST(payload AS TEXT) FROM report_events WHERE id = :id"), {"id": event_id}
    ).scalar_one()


def _event(report_id: int, payload) -> ReportEvent:
    return ReportEvent(report_id=report_id, action="created", payload=payload)


def test_json_columns_are_stored_compact_with_chinese_as_itself(app):
    report = insert_now(db.session, _report())
    payload = {"词": ["噪音", 1, 0.5], "score": numpy.float64(0.25), 7: None}
    event = insert_now(db.session, _event(report.id, payload))
    db.session.commit()
    # Both databases keep json text as written (PostgreSQL's json type, SQLite's TEXT).
    assert _stored_text(event.id) == '{"词":["噪音",1,0.5],"score":0.25,"7":null}'
    db.session.expire_all()
    assert db.session.get(ReportEvent, event.id).payload == {
        "词": ["噪音", 1, 0.5],
        "score": 0.25,
        "7": None,
    }


def test_json_columns_refuse_what_json_dumps_refused(app):
    # orjson would write a datetime or a dataclass; json.dumps refused them, and so does this.
    report = insert_now(db.session, _report())
    with pytest.raises((TypeError, StatementError)):  # SQLAlchemy wraps it on PostgreSQL
        insert_now(db.session, _event(report.id, {"at": datetime(2026, 1, 1)}))
