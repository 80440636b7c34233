"""Joint handling (联调联处) and summons (吹哨报到): other units' parts of a case.

The lead unit (主办) holds the case; co-units (协办), named at dispatch, each accept their part,
add sessions and progress, and report; the lead resolves only when every co-unit part is
reported or released with a reason. A unit holding a case may summon departments with a reason
and a time limit; each must 报到 (acknowledge) and report its action. Each part has its own
deadline: yellow at YELLOW_CARD_AT of the time, red when it passes unfinished (the sweep).

These are lifecycle rows (app.lifecycle.table): `summon`, `acknowledge`, `report_part`,
`release`; their effects are here.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from app.core.clock import now
from app.core.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from app.lifecycle.engine import Actor, ActorLike, Step, in_scope
from app.mediation.models import CasePart
from app.reports.events import record_event
from app.reports.models import Report
from app.units.models import Unit

MAX_UNITS = 10


def parts_of(report_id: int, kind: str | None = None) -> list[CasePart]:
    query = select(CasePart).where(CasePart.report_id == report_id)
    if kind:
        query = query.where(CasePart.kind == kind)
    return list(db.session.scalars(query.order_by(CasePart.id)))


def open_co_unit_parts(report: Report) -> list[CasePart]:
    return [p for p in parts_of(report.id, "co_unit") if not p.finished]


def _units(codes, field: str, lead: str | None) -> list[Unit]:
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise Invalid.field(field, "must be a list of unit codes")
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if len(codes) > MAX_UNITS:
        raise Invalid.field(field, f"at most {MAX_UNITS} units")
    if lead in codes:
        raise Invalid.field(field, f"{lead} holds the case; name the other units")
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    for code in codes:
        if code not in units:
            raise Invalid.field(field, f"unknown unit {code}")
        if not units[code].active:
            raise Invalid.field(field, f"unit {code} ({units[code].name}) is no longer active")
    return [units[c] for c in codes]


def _yellow(start: datetime, due: datetime | None) -> datetime | None:
    if due is None:
        return None
    return start + (due - start) * float(current_app.config["YELLOW_CARD_AT"])


def add_parts(step: Step, kind: str, units: list[Unit], due_at, reason: str | None) -> None:
    at = now()
    for unit in units:
        db.session.add(CasePart(
            report_id=step.report.id, kind=kind, unit_code=unit.code,
            by_unit_code=step.report.unit_code, reason=reason, due_at=due_at,
            yellow_at=_yellow(at, due_at), created_at=at,
            created_by_user_id=step.user.id if step.user else None,
        ))  # fmt: skip
    db.session.flush()


def add_co_units(step: Step) -> None:
    """At dispatch: the co-units named in `co_unit_codes`, their parts due with the case."""
    codes = step.data.get("co_unit_codes")
    if not codes:
        return
    units = _units(codes, "co_unit_codes", step.report.unit_code)
    add_parts(step, "co_unit", units, step.report.due_at, None)
    step.event.payload = {**(step.event.payload or {}), "co_unit_codes": [u.code for u in units]}


def summon(step: Step) -> None:
    """吹哨: departments summoned to the case with a reason and a time limit to report."""
    reason = step.text("reason")
    if not reason:
        raise Invalid.field("reason", "say why the departments are summoned")
    due_at = step.data.get("due_at")
    if due_at is None or due_at <= now():
        raise Invalid.field("due_at", "a time limit in the future")
    units = _units(step.data.get("unit_codes"), "unit_codes", step.report.unit_code)
    if not units:
        raise Invalid.field("unit_codes", "name at least one unit")
    step.move(reason, {"unit_codes": [u.code for u in units], "due_at": due_at.isoformat()})
    add_parts(step, "summons", units, due_at, reason)


def _part(step: Step, own: bool = True) -> CasePart:
    """The part the step is about; `own`: a responder acts only on their unit's part."""
    part = db.session.get(CasePart, step.data.get("part_id"))
    if part is None or part.report_id != step.report.id:
        raise Invalid.field("part_id", "no such part of this case")
    user = step.user
    if own and step.role == "responder" and (user is None or user.unit_code != part.unit_code):
        raise Forbidden(f"this part is unit {part.unit_code}'s")
    return part


def acknowledge(step: Step) -> None:
    """报到 / 接收: the summoned or co-unit takes up its part."""
    part = _part(step)
    if part.state != "open":
        raise Conflict(f"part {part.id} is {part.state}", {"json": {"action": [part.state]}})
    part.state, part.accepted_at = "accepted", now()
    step.move(
        step.text("note"), {"part_id": part.id, "kind": part.kind, "unit_code": part.unit_code}
    )


def report_part(step: Step) -> None:
    """The unit's report on its part (what it did); its part is done, its card comes off."""
    part = _part(step)
    if part.state != "accepted":
        raise Conflict(
            f"part {part.id} is {part.state}: acknowledge it first"
            if part.state == "open" else f"part {part.id} is {part.state}",
            {"json": {"action": [part.state]}},
        )  # fmt: skip
    note = step.text("note")
    if not note:
        raise Invalid.field("note", "say what your unit did")
    part.state, part.reported_at, part.report_note = "reported", now(), note
    on_time = part.due_at is None or part.reported_at <= part.due_at
    part.card = "none"
    step.move(note, {"part_id": part.id, "kind": part.kind, "unit_code": part.unit_code,
                     "on_time": on_time})  # fmt: skip


def release(step: Step) -> None:
    """The lead (or the centre) lets a co-unit or summoned unit go, with a reason."""
    part = _part(step, own=False)
    if part.finished:
        raise Conflict(f"part {part.id} is {part.state}", {"json": {"action": [part.state]}})
    reason = step.text("reason")
    if not reason:
        raise Invalid.field("reason", "say why the unit is released")
    part.state, part.released_at, part.release_reason, part.card = "released", now(), reason, "none"
    step.move(reason, {"part_id": part.id, "kind": part.kind, "unit_code": part.unit_code})


def holds_a_part(actor: ActorLike, role: str, report: Report) -> bool:
    """Scope of acknowledge and report_part: a responder of a unit with a part of the case."""
    if isinstance(actor, Actor) or role != "responder":
        return in_scope(actor, role, report)
    return bool(actor.unit_code) and any(
        p.unit_code == actor.unit_code for p in parts_of(report.id)
    )


def lead_or_co_unit(actor: ActorLike, role: str, report: Report) -> bool:
    """Scope of progress and sessions: the lead unit, or a co-unit that accepted its part."""
    if in_scope(actor, role, report):
        return True
    if isinstance(actor, Actor) or role != "responder" or not actor.unit_code:
        return False
    return any(
        p.unit_code == actor.unit_code and p.state == "accepted"
        for p in parts_of(report.id, "co_unit")
    )


def has_unfinished_part(report: Report) -> bool:
    return any(not p.finished for p in parts_of(report.id))


def no_open_co_unit_part(report: Report) -> bool:
    return not open_co_unit_parts(report)


def check_co_units_done(report: Report) -> None:
    """Only the lead resolves, and only after every co-unit reported or was released."""
    waiting = open_co_unit_parts(report)
    if waiting:
        codes = ", ".join(p.unit_code for p in waiting)
        raise Conflict(
            f"report {report.id} is handled jointly: co-unit part(s) of {codes} still open; each "
            "must report, or be released with a reason, before the lead resolves",
            {"json": {"action": [f"co-units open: {codes}"]}},
        )


def update_part_cards(at: datetime) -> dict[int, tuple[str, str]]:
    """Yellow at the warning, red at the deadline, for parts not yet reported or released."""
    changed: dict[int, tuple[str, str]] = {}
    parts = db.session.scalars(
        select(CasePart).where(
            CasePart.state.in_(("open", "accepted")), CasePart.due_at.is_not(None)
        )
    ).all()
    for part in parts:
        to = (
            "red"
            if part.due_at <= at
            else "yellow"
            if part.yellow_at and part.yellow_at <= at
            else "none"
        )
        if to == part.card:
            continue
        written = db.session.execute(
            update(CasePart)
            .where(CasePart.id == part.id, CasePart.card == part.card, CasePart.state == part.state)
            .values(card=to, card_changed_at=at)
            .execution_options(synchronize_session=False)
        )
        if written.rowcount == 1:
            report = db.session.get(Report, part.report_id)
            record_event(report, "part_card", payload={
                "part_id": part.id, "kind": part.kind, "unit_code": part.unit_code,
                "from": part.card, "to": to,
            })  # fmt: skip
            changed[part.id] = (part.card, to)
    return changed
