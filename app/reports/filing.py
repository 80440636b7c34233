"""Staff filing from phones: one report, or a batch collected offline, each safe to retry."""

from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core.errors import Conflict, DomainError
from app.core.idempotency import HEADER, Outcome, fingerprint, run_once
from app.extensions import db
from app.reports.intake import NewParty, NewReport, create_report
from app.reports.models import Report
from app.reports.schemas import ReportCreatedSchema, SyncItemSchema, dump_report

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


def _create(data: dict[str, Any], actor: User) -> tuple[int, dict[str, Any]]:
    created = create_report(new_report(data), actor)
    db.session.flush()  # ids and times of the events, so the answer kept for retries is whole
    body = dump_report(created.report, actor, ReportCreatedSchema)
    body["tracking_key"] = created.tracking_key
    return 201, body


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
    request_print: str | None = None,
) -> Outcome:
    """File one report; with a key, a retry returns the first answer instead of a new report."""
    if key is None:
        status, body = _create(data, actor)
        return Outcome(status, body, replayed=False)
    try:
        return run_once(
            actor.id,
            key,
            request_print or "",
            lambda: _create(data, actor),
            field=key_field,
            alone=True,
        )
    except IntegrityError as error:
        if not data.get("client_uuid"):
            raise
        raise _client_uuid_taken(data["client_uuid"], actor) from error


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
        data = SyncItemSchema().load(raw)
    except ma.ValidationError as error:
        return {**result, "result": "rejected", "errors": error.messages}
    request_print = fingerprint("POST", REPORTS_PATH, raw)
    try:
        outcome = run_once(
            actor.id,
            data["client_uuid"],
            request_print,
            lambda: _create(data, actor),
            field="client_uuid",
        )
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
    body = outcome.body
    return {
        **result,
        "result": "existed" if outcome.replayed else "created",
        "id": body["id"],
        "tracking_no": body["tracking_no"],
        "tracking_key": body.get("tracking_key"),
    }
