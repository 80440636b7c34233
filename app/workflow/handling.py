"""The unit's side of the loop (点派接验单): accept, return, progress, resolve; and 督办 notes."""

from dataclasses import dataclass

from app.accounts.models import User
from app.core.clock import SHANGHAI, now
from app.core.errors import Conflict, Forbidden, Invalid
from app.photos.service import attach_photo
from app.reports.access import report_for
from app.reports.models import OUTCOMES, Report, ReportEvent
from app.workflow.cards import refresh_card
from app.workflow.deadlines import return_window_closes, stop_deadlines
from app.workflow.escalation import escalated_away
from app.workflow.service import authorise_step, take_step


def case_for(user: User, report_id: int) -> Report:
    """The case to act on, row-locked: of two people acting at once, the second sees the result.

    A unit that just had the case (escalated away meanwhile) gets a 409 saying where it went,
    not a bare 403.
    """
    try:
        return report_for(user, report_id, for_update=True)
    except Forbidden:
        moved = escalated_away(report_id, user.unit_code)
        if moved is None:
            raise
        raise Conflict(
            f"report {report_id} was escalated from your unit to {moved.payload['to_unit']}; "
            "it is no longer your unit's case",
            {"json": {"action": ["escalated away from your unit"]}},
        ) from None


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str


def accept(
    report: Report, actor: User, note: str | None = None, expected_version: int | None = None
) -> ReportEvent:
    """签收: the unit takes the case on; only the time to resolve runs from now on."""
    event = take_step(
        report, "accept", actor, reason=note, public=True, expected_version=expected_version
    )
    report.accepted_at = now()
    refresh_card(report)
    return event


def return_to_queue(
    report: Report, actor: User, reason: str, expected_version: int | None = None
) -> ReportEvent:
    """退单: not this unit's case. Only within the return window; after it, 首办责任 applies."""
    authorise_step(report, "return", actor, expected_version=expected_version)
    if not (reason or "").strip():
        raise Invalid.field("reason", "say why the case is not your unit's")
    closes = return_window_closes(report)
    if now() > closes:
        raise Conflict(
            f"首办责任: the return window of report {report.id} closed at "
            f"{closes.astimezone(SHANGHAI):%Y-%m-%d %H:%M} (Asia/Shanghai); your unit owns the "
            "case now — handle it, or escalate it with a reason",
            {"json": {"action": ["return window closed"]}},
        )
    event = take_step(
        report,
        "return",
        actor,
        reason=reason,
        payload={"unit_code": report.unit_code, "return_count": report.return_count + 1},
        expected_version=expected_version,
    )
    # Back at the head of the cleaner's queue; the unit stays on the case as a routing hint.
    report.queued_at = now()
    report.return_count += 1
    report.claimed_by_user_id = None
    report.claim_expires_at = None
    report.accepted_at = None
    stop_deadlines(report)
    return event


def record_progress(
    report: Report,
    actor: User,
    note: str | None,
    photos: list[Upload] = (),
    expected_version: int | None = None,
) -> ReportEvent:
    """A progress note, photos, or both; the first one moves an accepted case to in_progress."""
    authorise_step(report, "progress", actor, expected_version=expected_version)
    note = (note or "").strip() or None
    if note is None and not photos:
        raise Invalid.field("note", "write a note or attach a photo")
    event = take_step(report, "progress", actor, reason=note, expected_version=expected_version)
    photo_ids = [
        attach_photo(report, upload.data, upload.filename, uploaded_by=actor)[0].id
        for upload in photos
    ]
    event.payload = {"photo_ids": photo_ids}
    return event


def resolve(
    report: Report, actor: User, outcome: str, note: str, expected_version: int | None = None
) -> ReportEvent:
    """报结: the result, waiting for the call-back (回访)."""
    authorise_step(report, "resolve", actor, expected_version=expected_version)
    if outcome not in OUTCOMES:
        raise Invalid.field("outcome", f"must be one of {', '.join(OUTCOMES)}")
    if not (note or "").strip():
        raise Invalid.field("note", "describe the result")
    event = take_step(
        report,
        "resolve",
        actor,
        reason=note,
        payload={"outcome": outcome},
        public=True,
        expected_version=expected_version,
    )
    report.resolved_at = now()
    report.outcome, report.resolution_note = outcome, note
    report.satisfaction = report.followed_up_at = None
    return event


def supervise(
    report: Report, actor: User, note: str, expected_version: int | None = None
) -> ReportEvent:
    """督办: a supervisor's note on the case's timeline, addressed to the unit holding it."""
    authorise_step(report, "supervise", actor, expected_version=expected_version)
    if not (note or "").strip():
        raise Invalid.field("note", "write the supervision note")
    return take_step(
        report,
        "supervise",
        actor,
        reason=note,
        payload={"unit_code": report.unit_code, "card": report.card},
        expected_version=expected_version,
    )
