"""Staff filing from phones: one report, or a batch collected offline, each safe to retry."""

from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core.errors import Conflict, DomainError
from app.core.idempotency import (
    HEADER,
    Done,
    Keyed,
    Outcome,
    fingerprints,
    run_once,
    user_scope,
)
from app.core.schemas import instance_of
from app.extensions import db
from app.reports.intake import NewParty, NewReport, create_report
from app.reports.models import Report
from app.reports.schemas import ReportCreatedSchema, SyncItemSchema, dump_report
from app.reports.tracking_keys import derived_tracking_key, key_matches
from app.reports.uuid_keys import held_by_report

# A synced item is the same write as a POST here with its client_uuid as the key, so a phone
# that synced a report and later retries it one by one (or the reverse) still files it once.
REPORTS_PATH = "/api/v1/reports"


def new_report(data: dict[str, Any]) -> NewReport:
    """The intake's input from a loaded ReportInSchema."""
    location = data.get("location") or {}
    return NewReport(
        description=data["description"],
        channel=data["channel"],
        lon=location.get("lon"),
        lat=location.get("lat"),
        coord_sys=location.get("coord_sys", "wgs84"),
        accuracy_m=location.get("accuracy_m"),
        location_source=data.get("location_source") if location else None,
        category_code=data.get("category_code"),
        reporter_name=data.get("reporter_name"),
        reporter_phone=data.get("reporter_phone"),
        client_uuid=data.get("client_uuid"),
        occurred_at=data.get("occurred_at"),
        parties=[NewParty(**party) for party in data.get("parties", [])],
    )


# A keyed write's tracking key is derived from the key, so a retry's answer carries it again
# although only its hash is stored.
TRACKING_KEY_LABEL = b"jiefen/staff-tracking-key/v1:"


def _derived_key(keyed: Keyed) -> str:
    return derived_tracking_key(TRACKING_KEY_LABEL, f"{keyed.scope}:{keyed.key}")


def _on_report(keyed: Keyed | None) -> bool:
    """Keyed by the client_uuid itself: the report keeps the key, no record row is written."""
    return keyed is not None and keyed.field == "client_uuid"


def _create(data: dict[str, Any], actor: User, keyed: Keyed | None) -> tuple[Done, str]:
    new = new_report(data)
    new.tracking_key = _derived_key(keyed) if keyed else None
    if _on_report(keyed):
        new.request_fingerprint = keyed.fingerprint
    created = create_report(new, actor)
    db.session.flush()  # the report's id, for the record kept for retries
    return Done(201, "report", created.report.id), created.tracking_key


def _answer(outcome: Outcome, actor: User, keyed: Keyed | None, fresh_key: str | None) -> dict:
    """The created report as filed, the same for the first request and for its retries."""
    report = db.session.get(Report, outcome.resource_id)
    body = dump_report(report, actor, ReportCreatedSchema)
    key = fresh_key if not outcome.replayed else _derived_key(keyed)
    # A record kept before keys were derived cannot give its key back: better none than wrong.
    body["tracking_key"] = key if key_matches(report.tracking_key_hash, key) else None
    return body


def _by_client_uuid(client_uuid: str) -> Report | None:
    return db.session.scalars(select(Report).where(Report.client_uuid == client_uuid)).first()


def _client_uuid_taken(client_uuid: str, actor: User) -> Conflict:
    existing = _by_client_uuid(client_uuid)
    if existing is not None and existing.reporter_user_id == actor.id:
        message = f"was already used for report {existing.id}, sent with another key"
    else:
        message = "is already in use; make a new one for a new report"
    return Conflict(f"client_uuid {message}", {"json": {"client_uuid": [message]}})


def file_report(
    data: dict[str, Any],
    actor: User,
    *,
    key: str | None = None,
    key_field: str = HEADER,
    request_print: str = "",
    earlier_print: str | None = None,
) -> tuple[Outcome, dict[str, Any]]:
    """File one report; with a key, a retry answers with the first report instead of a new one."""
    scope = user_scope(actor.id)
    keyed = Keyed(scope, key, request_print, key_field, earlier_print) if key else None
    fresh: list[str] = []

    def write() -> Done:
        done, tracking_key = _create(data, actor, keyed)
        fresh.append(tracking_key)
        return done

    try:
        outcome = run_once(
            keyed, write, alone=True, held=held_by_report if _on_report(keyed) else None
        )
    except IntegrityError as error:
        if not data.get("client_uuid"):
            raise
        raise _client_uuid_taken(data["client_uuid"], actor) from error
    return outcome, _answer(outcome, actor, keyed, fresh[-1] if fresh else None)


def sync_batch(items: list[Any], actor: User) -> list[dict[str, Any]]:
    """Store each valid item on its own savepoint and say what became of every one."""
    return [_sync_item(index, item, actor) for index, item in enumerate(items)]


def _sync_item(index: int, raw: Any, actor: User) -> dict[str, Any]:
    client_uuid = raw.get("client_uuid") if isinstance(raw, dict) else None
    result: dict[str, Any] = {
        "index": index,
        "client_uuid": client_uuid if isinstance(client_uuid, str) else None,
    }
    if not isinstance(raw, dict):
        return {**result, "result": "rejected", "errors": {"_schema": ["must be an object"]}}
    try:
        data = instance_of(SyncItemSchema).load(raw)
    except ma.ValidationError as error:
        return {**result, "result": "rejected", "errors": error.messages}
    request_print, earlier_print = fingerprints("POST", REPORTS_PATH, raw)
    keyed = Keyed(
        user_scope(actor.id), data["client_uuid"], request_print, "client_uuid", earlier_print
    )
    try:
        outcome = run_once(keyed, lambda: _create(data, actor, keyed)[0], held=held_by_report)
    except DomainError as error:
        errors = (error.errors or {}).get("json") or {"_schema": [error.message]}
        return {**result, "result": "rejected", "errors": errors}
    except IntegrityError:
        # The client_uuid was used outside the keyed path (e.g. a POST with its own key).
        existing = _by_client_uuid(data["client_uuid"])
        if existing is None or existing.reporter_user_id != actor.id:
            errors = {"client_uuid": ["is already in use; make a new one for a new report"]}
            return {**result, "result": "rejected", "errors": errors}
        return {
            **result,
            "result": "existed",
            "id": existing.id,
            "tracking_no": existing.tracking_no,
        }
    report = db.session.get(Report, outcome.resource_id)
    key = _derived_key(keyed)
    return {
        **result,
        "result": "existed" if outcome.replayed else "created",
        "id": report.id,
        "tracking_no": report.tracking_no,
        "tracking_key": key if key_matches(report.tracking_key_hash, key) else None,
    }
