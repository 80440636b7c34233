"""Safe retries, one mechanism for every write a phone may send again.

A write sent with a key (the `Idempotency-Key` header, or a `client_uuid` in the body) happens
once. A retry with the same key and the same request gets the answer rebuilt from what the first
one made, with `Idempotent-Replayed: true`; the same key with a different request is a 409.

What is kept per key is only what rebuilds the answer: the status, which resource was made or
changed (kind and id) and a keyed hash of the request. No response body, so no phone number and
no tracking key lies in this table; a tracking key in an answer is derived again from the key
(see tracking_keys.derived_tracking_key). Records older than IDEMPOTENCY_WINDOW_HOURS are
purged (`flask idempotency purge`); a key used again after that is a new write.

A report filed under its `client_uuid` (the grid worker's app, the offline sync, the resident's
form) needs no record row: the key is the report's own unique column, and the request's
fingerprint is kept beside it (app.reports.uuid_keys). Such a key is never free again, as a
client_uuid never was; its retry is answered for as long as the report exists.

Callers: staff filing and the offline sync (app.reports.filing), staff photo uploads
(app.reports.routes), the public report (app.public.intake), and the lifecycle actions through
the `idempotent` decorator.
"""

import copy
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click
import marshmallow as ma
from flask import current_app, request
from flask.cli import AppGroup
from sqlalchemy import Index, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.database import Base, insert_now
from app.core.errors import Conflict, DomainError, Invalid
from app.core.schemas import Schema
from app.core.types import UTCDateTime
from app.extensions import db

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# Printable ASCII without spaces: UUIDs, ULIDs and the like all fit.
KEY_PATTERN = r"^[\x21-\x7e]{1,100}$"
PUBLIC = "public"
# The request header as the OpenAPI document shows it on every retry-safe write.
KEY_PARAMETER_DOC = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Any unique string (a UUID is best), sent again with a retry: the write is "
    "done once and a retry gets the same answer with `Idempotent-Replayed: true`; the same key "
    "with another request is a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
}
REPLAYED_HEADER_DOC = {
    REPLAYED: {
        "description": "true when this is the answer to an earlier request with the same key, "
        "rebuilt from what that request made",
        "schema": {"type": "string"},
    }
}


class IdempotencyRecord(Base):
    """What one keyed write made: enough to rebuild its answer, nothing personal."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("scope", "key", name="uq_idempotency_records_scope_key"),
        Index("ix_idempotency_records_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Whose keys these are: "user:<id>" for staff, "public" for residents (random client_uuids).
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    # HMAC (SECRET_KEY) of method, path and the request: the same key with another is a 409.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    resource: Mapped[str] = mapped_column(String(20))
    resource_id: Mapped[int] = mapped_column(Integer)
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
class Keyed:
    """A write sent with a key: whose key, the key, the request's fingerprint, where it came."""

    scope: str
    key: str
    fingerprint: str
    field: str = HEADER
    # Records moved over by migration 0010 hold the plain SHA-256 of the request instead.
    earlier_fingerprint: str | None = None


@dataclass(frozen=True)
class Done:
    """What a write made or changed, and the status of its answer."""

    status: int
    resource: str
    resource_id: int


@dataclass(frozen=True)
class Outcome:
    done: Done
    replayed: bool

    @property
    def status(self) -> int:
        return self.done.status

    @property
    def resource_id(self) -> int:
        return self.done.resource_id


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def fingerprint(method: str, path: str, body: Any) -> str:
    """What makes two requests "the same": method, path and body, key order ignored.

    Keyed with SECRET_KEY: a body may hold a phone number, and a plain hash of a short number
    can be reversed by trying them all."""
    return _keyed_print(_message(method, path, body))


def earlier_fingerprint(method: str, path: str, body: Any) -> str:
    """How fingerprints were made before migration 0010 (unkeyed), for the records it moved."""
    return hashlib.sha256(_message(method, path, body)).hexdigest()


def fingerprints(method: str, path: str, body: Any) -> tuple[str, str]:
    """fingerprint and earlier_fingerprint, the body made canonical once for both."""
    message = _message(method, path, body)
    return _keyed_print(message), hashlib.sha256(message).hexdigest()


def _message(method: str, path: str, body: Any) -> bytes:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{method.upper()} {path}\n{canonical}".encode()


def _keyed_print(message: bytes) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def key_conflict(field: str) -> Conflict:
    message = "was already used for a different request; send a new key for a new write"
    location = "headers" if field == HEADER else "json"
    return Conflict(f"{field} {message}", {location: {field: [message]}})


def same_request(kept: str, keyed: Keyed) -> None:
    """409 unless the kept fingerprint is this request's (or its pre-0010 plain hash)."""
    same = hmac.compare_digest(kept, keyed.fingerprint)
    earlier = keyed.earlier_fingerprint
    if not (same or (earlier and hmac.compare_digest(kept, earlier))):
        raise key_conflict(keyed.field)


def stored(keyed: Keyed) -> Outcome | None:
    """What was made under this key, None if nothing; 409 if the request differs."""
    row = db.session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == keyed.scope, IdempotencyRecord.key == keyed.key
        )
    ).first()
    if row is None:
        return None
    same_request(row.fingerprint, keyed)
    return Outcome(Done(row.status, row.resource, row.resource_id), replayed=True)


def _keep(keyed: Keyed, done: Done) -> None:
    # One INSERT at once (a twin's unique key fails here), without a flush of the session.
    insert_now(
        db.session,
        IdempotencyRecord(
            scope=keyed.scope,
            key=keyed.key,
            fingerprint=keyed.fingerprint,
            status=done.status,
            resource=done.resource,
            resource_id=done.resource_id,
        ),
    )


def run_once(
    keyed: Keyed | None,
    write: Callable[[], Done],
    *,
    alone: bool = False,
    held: Callable[[Keyed], Outcome | None] | None = None,
) -> Outcome:
    """Do `write` and keep what it made, or say what was made before under this key.

    `alone`: the write is all the transaction does (one POST), so a conflict rolls the whole
    transaction back instead of a savepoint: two round trips fewer on every request.

    `held`: the write keeps the key itself (a report filed under its client_uuid stores the
    fingerprint beside its unique key), so no record row is written; `held(keyed)` finds what
    it made, as `stored` does for records (None if nothing, 409 if the request differs).

    The write and the record share a savepoint in the caller's transaction. A retry (or a
    concurrent twin that committed first) hits the unique key, or a unique column the write
    fills from it (a report's client_uuid): everything `write` did is rolled back and the
    earlier outcome is returned instead. The record is looked for only then, not before every
    write: retries are rare, and the look-up cost a round trip on every request. A write that
    fails for another reason is answered from the record too when there is one (a retry of an
    accepted request gets its first answer even if the rules changed since); otherwise its
    error stands, as does an IntegrityError that is not about this key.
    """
    if keyed is None:
        return Outcome(write(), replayed=False)
    try:
        with nullcontext() if alone else db.session.begin_nested():
            done = write()
            if held is None:
                _keep(keyed, done)
    except (IntegrityError, DomainError):
        if alone:
            db.session.rollback()
        found = (held or stored)(keyed)
        if found is None:
            raise
        return found
    return Outcome(done, replayed=False)


def replayed_headers(outcome: Outcome) -> dict[str, str]:
    return {REPLAYED: "true"} if outcome.replayed else {}


def request_key() -> str | None:
    """The Idempotency-Key header of this request, checked; None when there is none."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    errors = IdempotencyHeaderSchema().validate({HEADER: key})
    if errors:
        raise Invalid.field(HEADER, errors[HEADER][0], "headers")
    return key


def _request_body() -> Any:
    if request.is_json:
        return request.get_json(silent=True)
    files = {
        name: [hashlib.sha256(f.read()).hexdigest() for f in request.files.getlist(name)]
        for name in request.files
    }
    for name in request.files:
        for upload in request.files.getlist(name):
            upload.seek(0)
    return {"form": request.form.to_dict(flat=False), "files": files}


def idempotent(
    resource: str,
    scope: Callable[[], str],
    replay: Callable[..., Any],
    *,
    resource_id: Callable[..., int],
    status: int = 200,
):
    """Make a view's write safe to retry with an Idempotency-Key header.

    Goes below the smorest decorators: `replay(*view_args)` returns what the view would (an
    object its response schema dumps), for a retry. `resource_id(*view_args)` names what the
    view changes. Both get the view's arguments (loaded body first, then the URL's).

    The record is written first, in the view's transaction: a twin sent at the
    same time waits on (or fails at) the unique key and is answered by replay; a write that
    fails rolls its record back with it, so the retry runs it again.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = request_key()
            if key is None:
                return view(*args, **kwargs)
            keyed = Keyed(scope(), key, fingerprint(request.method, request.path, _request_body()))
            done = Done(status, resource, resource_id(*args, **kwargs))
            try:
                _keep(keyed, done)
            except IntegrityError:
                db.session.rollback()
                found = stored(keyed)
                if found is None:
                    raise
                return replay(*args, **kwargs), found.status, {REPLAYED: "true"}
            try:
                return view(*args, **kwargs)
            except BaseException:
                db.session.rollback()
                raise

        # The header in the document of every view that takes it (flask-smorest reads _apidoc;
        # these views take their input as a body, so the operation has no other parameters).
        apidoc = copy.deepcopy(getattr(view, "_apidoc", {}))
        manual = apidoc.setdefault("manual_doc", {})
        manual["parameters"] = [*manual.get("parameters", []), KEY_PARAMETER_DOC]
        wrapper._apidoc = apidoc
        return wrapper

    return decorate


def purge(window: timedelta) -> int:
    """Delete records older than the window; their keys may be used again."""
    outcome = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now() - window)
    )
    return outcome.rowcount or 0


idempotency_cli = AppGroup("idempotency", help="The records that make retried writes safe.")


@idempotency_cli.command("purge")
def purge_command() -> None:
    """Delete records older than IDEMPOTENCY_WINDOW_HOURS (run it daily, e.g. from cron)."""
    hours = float(current_app.config["IDEMPOTENCY_WINDOW_HOURS"])
    removed = purge(timedelta(hours=hours))
    db.session.commit()
    click.echo(f"idempotency records purged: {removed}")
