"""The cleaner's four decisions on a queued report: dispatch, merge, reject, ask for more."""

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.areas.locate import responsible_unit
from app.areas.models import ROUTING_LEVEL, Area
from app.categories.service import active_category
from app.core.clock import now
from app.core.errors import Forbidden, Invalid, InvalidTransition
from app.extensions import db
from app.reports.access import can_see, report_for
from app.reports.events import record_event
from app.reports.models import RISK_LEVELS, Report
from app.triage.claims import clear_claim, take_claim
from app.triage.suggestions import SURVIVOR_STATES, carry_risk
from app.units.models import Unit
from app.workflow.hooks import after_dispatch
from app.workflow.service import take_step
from app.workflow.transitions import step_for

ACTIONS = ("dispatch", "merge", "reject", "need_info")
# A department (司法所, 派出所 …) works at the sub-district tier.
TIER_OF_UNIT_KIND = {
    "community": "community",
    "subdistrict": "subdistrict",
    "department": "subdistrict",
    "district": "district",
}
# Why a report is not taken up, and what the reporter reads on the tracking page.
REJECT_REASONS = {
    "无效信息": "您提交的信息不完整或无法核实，暂时无法受理。欢迎补充具体情况后重新反映。",
    "重复": "您反映的问题此前已有反映，我们正在一并处理，感谢您的关注。",
    "不属于受理范围": "您反映的事项不属于本中心的受理范围，建议通过相关主管部门或法定途径反映。",
    "恶意骚扰": "您提交的内容不符合受理要求，未予受理。",
    "其他": "您反映的事项暂不予受理。",
}
MERGED_NOTICE = "您反映的问题与其他群众反映的同一事项已合并办理，可继续用本查询号查看办理进度。"


@dataclass
class Decision:
    action: str
    category_code: str | None = None
    risk_level: str | None = None
    area_code: str | None = None
    unit_code: str | None = None
    duplicate_of: int | None = None
    reason: str | None = None
    note: str | None = None


def triage(report_id: int, actor: User, decision: Decision) -> Report:
    """Apply the cleaner's decision; the caller must hold the claim or the report must be free."""
    if decision.action not in ACTIONS:
        raise Invalid.field("action", f"must be one of {', '.join(ACTIONS)}")
    if decision.action == "merge" and decision.duplicate_of not in (None, report_id):
        # Lock both rows in id order, so two opposite merges cannot deadlock each other.
        db.session.scalars(
            select(Report.id)
            .where(Report.id.in_((report_id, decision.duplicate_of)))
            .order_by(Report.id)
            .with_for_update()
        ).all()
    report = report_for(actor, report_id, for_update=True)
    take_claim(report, actor)
    if step_for(report.status, decision.action) is None:
        raise InvalidTransition(
            f"cannot {decision.action} a report that is {report.status}",
            {"json": {"action": [f"not allowed in state {report.status}"]}},
        )
    _classify(report, decision)
    {"dispatch": _dispatch, "merge": _merge, "reject": _reject, "need_info": _need_info}[
        decision.action
    ](report, actor, decision)
    report.triaged_at, report.triaged_by_user_id = now(), actor.id
    clear_claim(report)
    db.session.flush()
    return report


def _classify(report: Report, decision: Decision) -> None:
    if decision.category_code:
        active_category(decision.category_code)
        report.category_code = decision.category_code
    elif decision.action == "dispatch":
        raise Invalid.field("category_code", "choose the category before dispatching")
    if decision.risk_level:
        if decision.risk_level not in RISK_LEVELS:
            raise Invalid.field("risk_level", f"must be one of {', '.join(RISK_LEVELS)}")
        report.risk_level = decision.risk_level
    elif decision.action == "dispatch":
        raise Invalid.field("risk_level", "grade the risk before dispatching")


def _area(code: str) -> Area:
    area = db.session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise Invalid.field("area_code", f"unknown area {code}")
    return area


def _unit(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise Invalid.field("unit_code", f"unknown unit {code}")
    if not unit.active:
        raise Invalid.field("unit_code", f"unit {code} ({unit.name}) is no longer active")
    return unit


def _routing_area_of(area: Area) -> Area | None:
    """The sub-district an area belongs to (itself when it is one; None above that level)."""
    codes = [c for c in area.path.strip("/").split("/") if c]
    chain = db.session.scalars(select(Area).where(Area.code.in_(codes))).all()
    return next((a for a in chain if a.level == ROUTING_LEVEL), None)


def _dispatch(report: Report, actor: User, decision: Decision) -> None:
    suggested = {"subdistrict_code": report.subdistrict_code, "unit_code": report.unit_code}
    area = _area(decision.area_code) if decision.area_code else None
    if decision.unit_code:
        unit = _unit(decision.unit_code)
    elif area is not None:
        unit = responsible_unit(_routing_area_of(area) or area)
        if unit is None:
            raise Invalid.field("unit_code", f"no active unit answers for {area.code}; name one")
    elif report.unit_code:
        unit = _unit(report.unit_code)
    else:
        raise Invalid.field(
            "unit_code", "this report is outside every area: name the unit_code to dispatch it to"
        )
    if area is None and unit.code != report.unit_code and unit.area_code:
        area = _area(unit.area_code)
    routing = _routing_area_of(area) if area is not None else None
    moves = area is not None and (
        report.area_code is None or (routing.code if routing else None) != report.subdistrict_code
    )
    # Out-of-coverage reports have no suggestion to override: naming a unit is the decision.
    overridden = report.unit_code is not None and (unit.code != report.unit_code or moves)
    reason = (decision.reason or "").strip()
    if overridden and not reason:
        raise Invalid.field("reason", "say why the report goes somewhere other than its place")
    if moves:
        # The case now belongs to that area: its supervisors and statistics must see it there.
        report.area_code, report.area_path = area.code, area.path
        report.subdistrict_code = routing.code if routing else None
        if not can_see(actor, report):
            raise Forbidden(f"area {area.code} is outside your areas")
    report.unit_code = unit.code
    report.tier = TIER_OF_UNIT_KIND.get(unit.kind, "subdistrict")
    report.dispatched_at = now()
    chosen = {"subdistrict_code": report.subdistrict_code, "unit_code": unit.code}
    take_step(
        report,
        "dispatch",
        actor,
        payload={
            **chosen,
            "unit_name": unit.name,
            "tier": report.tier,
            "category_code": report.category_code,
            "risk_level": report.risk_level,
            "override": overridden,
        },
        public=True,
    )
    if overridden:
        # Kept off the public timeline: the reporter sees where the case went, not the argument.
        record_event(
            report,
            "route_override",
            actor=actor,
            reason=reason,
            payload={"suggested": suggested, "chosen": chosen, "area_code": report.area_code},
        )
    elif reason:
        record_event(report, "triage_note", actor=actor, reason=reason)
    after_dispatch(report)


def survivor_of(report_id: int) -> Report | None:
    """Follow `duplicate_of` to the report that is still handled (no chains, no loops)."""
    seen: set[int] = set()
    current = db.session.get(Report, report_id)
    while current is not None and current.duplicate_of is not None and current.id not in seen:
        seen.add(current.id)
        current = db.session.get(Report, current.duplicate_of)
    return current


def _merge(report: Report, actor: User, decision: Decision) -> None:
    if decision.duplicate_of is None:
        raise Invalid.field("duplicate_of", "name the report this one duplicates")
    if decision.duplicate_of == report.id:
        raise Invalid.field("duplicate_of", "a report cannot be merged into itself")
    survivor = _locked_survivor(decision.duplicate_of)
    if survivor.id == report.id:
        raise Invalid.field(
            "duplicate_of", f"report {decision.duplicate_of} is already merged into this one"
        )
    if survivor.status not in SURVIVOR_STATES:
        raise Invalid.field(
            "duplicate_of",
            f"report {survivor.id} is {survivor.status}; dispatch this one as a case of its own",
        )
    if not can_see(actor, survivor):
        raise Forbidden(f"report {survivor.id} is outside your areas")
    report.duplicate_of = survivor.id
    take_step(
        report,
        "merge",
        actor,
        reason=MERGED_NOTICE,
        payload={"duplicate_of": survivor.id, "asked_for": decision.duplicate_of},
        public=True,
    )
    if decision.reason:
        record_event(report, "triage_note", actor=actor, reason=decision.reason)
    carry_risk(survivor, report)
    # Reports merged into this one follow it to its survivor, so nobody points at a merged one.
    followers = db.session.scalars(
        select(Report).where(Report.duplicate_of == report.id).order_by(Report.id)
    )
    for follower in followers:
        follower.duplicate_of = survivor.id
        record_event(
            follower,
            "survivor_changed",
            payload={"from": report.id, "to": survivor.id},
        )


def _locked_survivor(report_id: int) -> Report:
    """The survivor, row-locked and re-checked: it may be merged elsewhere while we wait."""
    for _attempt in range(10):
        survivor = survivor_of(report_id)
        if survivor is None:
            raise Invalid.field("duplicate_of", f"no report {report_id}")
        locked = db.session.get(Report, survivor.id, with_for_update=True, populate_existing=True)
        if locked is not None and locked.duplicate_of is None:
            return locked
    raise Invalid.field("duplicate_of", f"report {report_id} keeps being merged; try again")


def _reject(report: Report, actor: User, decision: Decision) -> None:
    reason = (decision.reason or "").strip()
    if reason not in REJECT_REASONS:
        raise Invalid.field("reason", f"must be one of {', '.join(REJECT_REASONS)}")
    note = (decision.note or "").strip() or None
    if reason == "其他" and not note:
        raise Invalid.field("note", "say in a sentence why the report is not taken up")
    explanation = REJECT_REASONS[reason] + (f"说明：{note}" if note else "")
    take_step(
        report,
        "reject",
        actor,
        reason=explanation,
        payload={"reject_reason": reason, "note": note},
        public=True,
    )


def _need_info(report: Report, actor: User, decision: Decision) -> None:
    question = (decision.reason or "").strip()
    if not question:
        raise Invalid.field("reason", "write the question the reporter should answer")
    take_step(
        report, "need_info", actor, reason=question, payload={"question": question}, public=True
    )
