"""Mediation in the statistics: success per tier, sessions to agreement, escalations by the
attempt rule, joint cases and their time, summons answered on time per department.

Read for the cases the caller may see within the overview's filter (the same clauses), over
the sessions, parts and escalation events of those cases.
"""

from statistics import median

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.mediation.models import CasePart, MediationSession
from app.reports.models import TIERS, Report, ReportEvent
from app.stats.filters import ReportFilter, report_clauses
from app.units.models import Unit


def _visible(user: User, f: ReportFilter):
    return select(Report.id).where(*report_clauses(user, f))


def mediation_figures(user: User, f: ReportFilter) -> dict:
    visible = _visible(user, f)
    sessions = db.session.execute(
        select(MediationSession.report_id, MediationSession.tier, MediationSession.result)
        .where(MediationSession.report_id.in_(visible))
        .order_by(MediationSession.report_id, MediationSession.held_at, MediationSession.id)
    ).all()
    by_tier: dict[str, dict[int, bool]] = {t: {} for t in TIERS}
    to_agreement: dict[int, int] = {}
    counted: dict[int, int] = {}
    for report_id, tier, result in sessions:
        agreed = result == "agreement"
        if tier in by_tier:
            by_tier[tier][report_id] = by_tier[tier].get(report_id, False) or agreed
        if report_id not in to_agreement:
            counted[report_id] = counted.get(report_id, 0) + 1
            if agreed:
                to_agreement[report_id] = counted[report_id]
    tiers = [
        {"tier": tier, "cases": len(cases), "agreed": sum(cases.values()),
         "success_rate": round(sum(cases.values()) / len(cases), 3) if cases else None}
        for tier, cases in by_tier.items()
    ]  # fmt: skip
    escalations = db.session.scalars(
        select(ReportEvent.payload).where(
            ReportEvent.action == "escalate", ReportEvent.report_id.in_(visible)
        )
    ).all()
    joint = db.session.execute(
        select(Report.id, Report.dispatched_at, Report.resolved_at)
        .where(Report.id.in_(visible))
        .where(Report.id.in_(select(CasePart.report_id).where(CasePart.kind == "co_unit")))
    ).all()
    joint_hours = [
        (r.resolved_at - r.dispatched_at).total_seconds() / 3600
        for r in joint
        if r.resolved_at and r.dispatched_at
    ]
    summons = db.session.execute(
        select(CasePart.unit_code, Unit.name, CasePart.due_at, CasePart.reported_at)
        .join(Unit, Unit.code == CasePart.unit_code)
        .where(CasePart.kind == "summons", CasePart.report_id.in_(visible))
    ).all()
    departments: dict[str, dict] = {}
    for code, name, due, reported in summons:
        d = departments.setdefault(
            code, {"unit_code": code, "name": name, "summoned": 0, "on_time": 0, "late": 0,
                   "unanswered": 0},
        )  # fmt: skip
        d["summoned"] += 1
        if reported is None:
            d["unanswered"] += 1
        elif due is None or reported <= due:
            d["on_time"] += 1
        else:
            d["late"] += 1
    for d in departments.values():
        d["on_time_rate"] = round(d["on_time"] / d["summoned"], 3)
    return {
        "sessions": len(sessions),
        "by_tier": tiers,
        "agreements": len(to_agreement),
        "avg_sessions_to_agreement": round(sum(to_agreement.values()) / len(to_agreement), 2)
        if to_agreement
        else None,
        "escalated_by_attempt_rule": sum(
            1 for p in escalations if (p or {}).get("cause") == "attempt_rule"
        ),
        "joint_cases": len(joint),
        "joint_resolved": len(joint_hours),
        "joint_median_hours_to_resolve": round(median(joint_hours), 1) if joint_hours else None,
        "summons_by_department": sorted(departments.values(), key=lambda d: d["unit_code"]),
    }
