"""The cleaner's four decisions on a queued report (dispatch, merge, reject, ask for more) and
the answer that puts an asked report back in the queue."""

from sqlalchemy import select

from app.areas.locate import responsible_unit
from app.areas.models import ROUTING_LEVEL, Area
from app.categories.service import active_category
from app.core.clock import now
from app.core.errors import Forbidden, Invalid
from app.extensions import db
from app.lifecycle.engine import Step
from app.lifecycle.policy import can_see
from app.reports.events import record_event
from app.reports.models import RISK_LEVELS, Report
from app.triage.claims import clear_claim, take_claim
from app.triage.suggestions import SURVIVOR_STATES, carry_risk
from app.units.models import Unit
from app.workflow.deadlines import start_deadlines

DECISIONS = ("dispatch", "merge", "reject", "need_info")
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


def back_to_queue(report: Report) -> None:
    """At the head of the cleaner's queue again, free for any cleaner to take."""
    report.queued_at = now()
    clear_claim(report)


def decision(effect):
    """A cleaner's decision: under their claim, with the category and risk they chose, and
    recorded as triaged by them; the claim ends with it."""

    def run(step: Step) -> None:
        report, user = step.report, step.user
        take_claim(report, user)
        _classify(report, step)
        effect(step)
        report.triaged_at, report.triaged_by_user_id = now(), user.id
        clear_claim(report)

    run.__doc__ = effect.__doc__
    run.__name__ = effect.__name__
    return run


def _classify(report: Report, step: Step) -> None:
    category, risk = step.data.get("category_code"), step.data.get("risk_level")
    if category:
        active_category(category)
        report.category_code = category
    elif step.action == "dispatch":
        raise Invalid.field("category_code", "choose the category before dispatching")
    if risk:
        if risk not in RISK_LEVELS:
            raise Invalid.field("risk_level", f"must be one of {', '.join(RISK_LEVELS)}")
        report.risk_level = risk
    elif step.action == "dispatch":
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


@decision
def dispatch(step: Step) -> None:
    """To the unit answering for the place (or the one named, with a reason); clocks start."""
    report, actor, data = step.report, step.user, step.data
    suggested = {"subdistrict_code": report.subdistrict_code, "unit_code": report.unit_code}
    area = _area(data["area_code"]) if data.get("area_code") else None
    if data.get("unit_code"):
        unit = _unit(data["unit_code"])
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
    reason = step.text("reason") or ""
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
    step.move(
        payload={
            **chosen,
            "unit_name": unit.name,
            "tier": report.tier,
            "category_code": report.category_code,
            "risk_level": report.risk_level,
            "override": overridden,
        }
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
    start_deadlines(report, report.dispatched_at)
    # 联调联处: co-units beside the lead, each with its part (app.mediation.parts).
    from app.mediation.parts import add_co_units

    add_co_units(step)


def survivor_of(report_id: int) -> Report | None:
    """Follow `duplicate_of` to the report that is still handled (no chains, no loops)."""
    seen: set[int] = set()
    current = db.session.get(Report, report_id)
    while current is not None and current.duplicate_of is not None and current.id not in seen:
        seen.add(current.id)
        current = db.session.get(Report, current.duplicate_of)
    return current


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


@decision
def merge(step: Step) -> None:
    """Into the report it duplicates (followed to the one still handled), urgency carried."""
    report, actor = step.report, step.user
    asked = step.data.get("duplicate_of")
    if asked is None:
        raise Invalid.field("duplicate_of", "name the report this one duplicates")
    if asked == report.id:
        raise Invalid.field("duplicate_of", "a report cannot be merged into itself")
    survivor = _locked_survivor(asked)
    if survivor.id == report.id:
        raise Invalid.field("duplicate_of", f"report {asked} is already merged into this one")
    if survivor.status not in SURVIVOR_STATES:
        raise Invalid.field(
            "duplicate_of",
            f"report {survivor.id} is {survivor.status}; dispatch this one as a case of its own",
        )
    if not can_see(actor, survivor):
        raise Forbidden(f"report {survivor.id} is outside your areas")
    report.duplicate_of = survivor.id
    step.move(MERGED_NOTICE, {"duplicate_of": survivor.id, "asked_for": asked})
    if step.data.get("reason"):
        record_event(report, "triage_note", actor=actor, reason=step.data["reason"])
    carry_risk(survivor, report)
    # Reports merged into this one follow it to its survivor, so nobody points at a merged one.
    followers = db.session.scalars(
        select(Report).where(Report.duplicate_of == report.id).order_by(Report.id)
    )
    for follower in followers:
        follower.duplicate_of = survivor.id
        record_event(follower, "survivor_changed", payload={"from": report.id, "to": survivor.id})


@decision
def reject(step: Step) -> None:
    """Not taken up, for one of the fixed reasons the reporter reads."""
    reason = step.text("reason") or ""
    if reason not in REJECT_REASONS:
        raise Invalid.field("reason", f"must be one of {', '.join(REJECT_REASONS)}")
    note = step.text("note")
    if reason == "其他" and not note:
        raise Invalid.field("note", "say in a sentence why the report is not taken up")
    explanation = REJECT_REASONS[reason] + (f"说明：{note}" if note else "")
    step.move(explanation, {"reject_reason": reason, "note": note})


@decision
def need_info(step: Step) -> None:
    """A question for the reporter; the report waits for the answer."""
    question = step.text("reason")
    if not question:
        raise Invalid.field("reason", "write the question the reporter should answer")
    step.move(question, {"question": question})


def add_info(step: Step) -> None:
    """The reporter's answer (or one taken down by staff): back into the cleaner's queue."""
    answer = step.text("answer") or step.text("reason")
    if not answer:
        raise Invalid.field("answer", "write the answer to the question")
    step.move(answer)
    back_to_queue(step.report)
