"""The sweep's part of 三级调解: cases whose tier spent its attempts go up, after the grace."""

import logging
from datetime import datetime

from sqlalchemy import select

from app.core.errors import Conflict
from app.extensions import db
from app.lifecycle.engine import SYSTEM, apply
from app.lifecycle.states import OPEN
from app.mediation.models import MediationSession
from app.mediation.rule import attempt_status
from app.reports.models import TIERS, Report

log = logging.getLogger(__name__)

CAUSE_TEXT = {"sessions": "调解次数已用完仍未达成协议", "days": "调解期限已过仍未达成协议"}


def escalate_spent(at: datetime) -> tuple[list[int], dict[int, str]]:
    """Open cases under mediation below the top tier whose escalation time has come."""
    candidates = db.session.scalars(
        select(Report.id)
        .join(MediationSession, MediationSession.report_id == Report.id)
        .where(
            Report.status.in_(OPEN),
            Report.tier.in_(TIERS[:-1]),
            MediationSession.tier == Report.tier,
            MediationSession.unit_code == Report.unit_code,
        )
        .distinct()
        .order_by(Report.id)
    ).all()
    escalated, refused = [], {}
    for report_id in candidates:
        report = db.session.scalars(
            select(Report)
            .where(Report.id == report_id, Report.status.in_(OPEN))
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).first()
        if report is None:
            continue
        status = attempt_status(report, at)
        if status is None or status.escalate_at is None or status.escalate_at > at:
            continue
        used = f"{status.sessions_used}次/{status.within_days}天"
        reason = f"{CAUSE_TEXT[status.cause]}（{used}），自动升级到上一级"
        try:
            apply(report, "escalate", SYSTEM, {"reason": reason, "cause": "attempt_rule"})
        except Conflict as error:
            log.warning("report %s not escalated: %s", report_id, error.message)
            refused[report_id] = error.message
        else:
            escalated.append(report_id)
    return escalated, refused
