"""Records of keyed writes are purged after their window; a key is then free again."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core.clock import frozen_at
from app.core.idempotency import (
    IdempotencyRecord,
    earlier_fingerprint,
    fingerprint,
    fingerprints,
)
from app.extensions import db


def record(key: str, at: datetime) -> None:
    with frozen_at(at):
        db.session.add(
            IdempotencyRecord(
                scope="user:1", key=key, fingerprint="f" * 64, status=201,
                resource="report", resource_id=1,
            )
        )  # fmt: skip
        db.session.commit()


def test_the_purge_command_removes_records_older_than_the_window(app):
    now = datetime.now(UTC)
    record("old", now - timedelta(hours=49))
    record("recent", now - timedelta(hours=47))
    result = app.test_cli_runner().invoke(args=["idempotency", "purge"])
    assert result.exit_code == 0, result.output
    assert "purged: 1" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["recent"]


def test_both_fingerprints_at_once_are_the_two_made_apart(app):
    body = {"b": [1, "二"], "a": {"phone": "13800001234"}}
    with app.test_request_context():
        both = fingerprints("post", "/api/v1/reports", body)
        assert both == (
            fingerprint("POST", "/api/v1/reports", body),
            earlier_fingerprint("POST", "/api/v1/reports", body),
        )
        assert both[0] != fingerprints("POST", "/api/v1/reports", {**body, "c": 1})[0]
