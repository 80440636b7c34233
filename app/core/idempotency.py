"""Safe retries: a write sent again with the same key happens once and answers the same."""

import hashlib
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import marshmallow as ma
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base
from app.core.errors import Conflict, DomainError
from app.core.schemas import Schema
from app.core.types import UTCDateTime
from app.extensions import db

HEADER = "Idempotency-Key"
# Printable ASCII without spaces: UUIDs, ULIDs and the like all fit.
KEY_PATTERN = r"^[\x21-\x7e]{1,100}$"


class IdempotencyKey(Base):
    """The first response to a keyed write, kept so that a retry gets it back unchanged."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_id_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    # sha256 of method, path and the canonical JSON body: the same key with another body is a 409.
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class IdempotencyHeaderSchema(Schema):
    """The optional header a client sends to make a write safe to retry."""

    key = ma.fields.String(
        data_key=HEADER,
        load_default=None,
        validate=ma.validate.Regexp(KEY_PATTERN, error="1 to 100 printable ASCII characters"),
        metadata={"description": "Any unique string (a UUID is best); a retry sends it again."},
    )


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool


def fingerprint(method: str, path: str, body: Any) -> str:
    """What makes two requests "the same": method, path and body, key order ignored."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode()).hexdigest()


def key_conflict(field: str, location: str) -> Conflict:
    message = "was already used for a different request; send a new key for a new write"
    return Conflict(f"{field} {message}", {location: {field: [message]}})


def stored(user_id: int, key: str, print_: str, *, field: str = HEADER) -> Outcome | None:
    """The stored answer for this key, None if there is none; 409 if the body differs."""
    row = db.session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).first()
    if row is None:
        return None
    if row.fingerprint != print_:
        raise key_conflict(field, "headers" if field == HEADER else "json")
    return Outcome(row.response_status, row.response_body, replayed=True)


def run_once(
    user_id: int,
    key: str,
    print_: str,
    write: Callable[[], tuple[int, dict[str, Any]]],
    *,
    field: str = HEADER,
    alone: bool = False,
) -> Outcome:
    """Do `write` and keep its answer, or give back the answer kept for this key.

    `alone`: the write is all the transaction does (one POST), so a conflict rolls the whole
    transaction back instead of a savepoint: two round trips fewer on every request.

    The write and the kept answer share a savepoint in the caller's transaction. A retry (or
    a concurrent twin that committed first) hits the unique constraint on the key, or on a
    column the write fills from it (a report's client_uuid): everything `write` did is rolled
    back and the kept answer is returned instead. The kept answer is looked for only then, not
    before every write: retries are rare, and the look-up cost a round trip on every request.
    A write that fails for another reason is answered from the keeper too when there is one
    (a retry of an accepted request gets its first answer even if the rules changed since);
    otherwise its error stands, as does an IntegrityError that is not about this key.
    """
    try:
        with nullcontext() if alone else db.session.begin_nested():
            status, body = write()
            db.session.add(
                IdempotencyKey(
                    user_id=user_id,
                    key=key,
                    fingerprint=print_,
                    response_status=status,
                    response_body=body,
                )
            )
            db.session.flush()
    except (IntegrityError, DomainError):
        if alone:
            db.session.rollback()
        found = stored(user_id, key, print_, field=field)
        if found is None:
            raise
        return found
    return Outcome(status, body, replayed=False)
