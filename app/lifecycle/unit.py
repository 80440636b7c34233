"""The unit's side of the loop (点派接验单): accept, return, progress, escalate, resolve; and
督办 notes on an open case."""

from dataclasses import dataclass

from app.core.clock import SHANGHAI, now
from app.core.errors import Conflict, Invalid
from app.lifecycle.engine import Step
from app.lifecycle.triage import back_to_queue
from app.photos.service import attach_photo
from app.reports.models import OUTCOMES, Report
from app.workflow.cards import refresh_card
from app.workflow.deadlines import return_window_closes, start_deadlines, stop_deadlines
from app.workflow.escalation import current_tier, unit_above


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str


def accept(step: Step) -> None:
    """签收: the unit takes the case on; only the time to resolve runs from now on."""
    step.move(step.text("note"))
    step.report.accepted_at = now()
    refresh_card(step.report)


def can_return(report: Report) -> bool:
    return now() <= return_window_closes(report)


def return_to_queue(step: Step) -> None:
    """退单: not this unit's case. Only within the return window; after it, 首办责任 applies."""
    report = step.report
    reason = step.text("reason")
    if not reason:
        raise Invalid.field("reason", "say why the case is not your unit's")
    closes = return_window_closes(report)
    if now() > closes:
        raise Conflict(
            f"首办责任: the return window of report {report.id} closed at "
            f"{closes.astimezone(SHANGHAI):%Y-%m-%d %H:%M} (Asia/Shanghai); your unit owns the "
            "case now — handle it, or escalate it with a reason",
            {"json": {"action": ["return window closed"]}},
        )
    step.move(
        step.data.get("reason"),
        {"unit_code": report.unit_code, "return_count": report.return_count + 1},
    )
    # The unit stays on the case as a routing hint for the cleaner.
    back_to_queue(report)
    report.return_count += 1
    report.accepted_at = None
    stop_deadlines(report)


def progress(step: Step) -> None:
    """A progress note, photos, or both; the first one moves an accepted case to in_progress."""
    note = step.text("note")
    photos: list[Upload] = list(step.data.get("photos") or ())
    if note is None and not photos:
        raise Invalid.field("note", "write a note or attach a photo")
    event = step.move(note)
    photo_ids = [
        attach_photo(step.report, upload.data, upload.filename, uploaded_by=step.user)[0].id
        for upload in photos
    ]
    event.payload = {"photo_ids": photo_ids}


def escalate(step: Step) -> None:
    """Up one tier (or to `to_tier`): the new unit must accept it, its deadlines restart."""
    report = step.report
    from_unit, from_tier = report.unit_code, current_tier(report)
    tier, unit = unit_above(report, step.data.get("to_tier"))
    payload = {"from_unit": from_unit, "to_unit": unit.code, "from_tier": from_tier}
    cause = step.data.get("cause")
    payload.update(to_tier=tier, **({"cause": cause} if cause else {}))
    step.move(step.data.get("reason"), payload)
    report.unit_code, report.tier = unit.code, tier
    report.accepted_at = None
    start_deadlines(report)


def resolve(step: Step) -> None:
    """报结: the result, waiting for the call-back (回访); a joint case only when every co-unit
    part is reported or released."""
    report, outcome, note = step.report, step.data.get("outcome"), step.data.get("note")
    from app.mediation.parts import check_co_units_done

    check_co_units_done(report)
    if outcome not in OUTCOMES:
        raise Invalid.field("outcome", f"must be one of {', '.join(OUTCOMES)}")
    if not (note or "").strip():
        raise Invalid.field("note", "describe the result")
    step.move(note, {"outcome": outcome})
    report.resolved_at = now()
    report.outcome, report.resolution_note = outcome, note
    report.satisfaction = report.followed_up_at = None


def supervise(step: Step) -> None:
    """督办: a supervisor's note on the case's timeline, addressed to the unit holding it."""
    note = step.data.get("note")
    if not (note or "").strip():
        raise Invalid.field("note", "write the supervision note")
    step.move(note, {"unit_code": step.report.unit_code, "card": step.report.card})
