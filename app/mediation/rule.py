"""三级调解's attempt rule: at each tier, at most N sessions within D days, then up a tier.

Defaults from 来宾 小平阳镇: the community (village) 3 times within 7 days, the sub-district
(township) 3 within 15, the district 3 within 30. Admins change them (per category if needed)
through /api/v1/mediation-policies; a tier without a stored default uses the built-in one.

The rule applies to a case once mediation has begun at its tier (a session recorded while the
current unit holds it): the days count from the first such session, as "three times within a
week" does. A tier is spent when it has held its sessions without agreement, or its days ran
out; the case is then offered for escalation, and the sweep escalates it once the grace
(MEDIATION_GRACE_HOURS) has passed, as it does a red card.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.core.clock import now
from app.core.errors import Invalid
from app.extensions import db
from app.mediation.models import MediationPolicy, MediationSession
from app.reports.models import TIERS, Report

DEFAULTS: dict[str, tuple[int, int]] = {
    "community": (3, 7),
    "subdistrict": (3, 15),
    "district": (3, 30),
}


@dataclass(frozen=True)
class Limits:
    tier: str
    max_sessions: int
    within_days: int
    category_code: str | None = None
    source: str = "default"  # "default" (built in), "tier" or "category" (stored)


def limits_for(tier: str, category_code: str | None) -> Limits:
    rows = db.session.scalars(
        select(MediationPolicy).where(
            MediationPolicy.tier == tier,
            (MediationPolicy.category_code == category_code)
            | MediationPolicy.category_code.is_(None),
        )
    ).all()
    own = next((r for r in rows if r.category_code and r.category_code == category_code), None)
    base = own or next((r for r in rows if r.category_code is None), None)
    if base is None:
        n, days = DEFAULTS[tier]
        return Limits(tier, n, days)
    return Limits(
        tier, base.max_sessions, base.within_days, base.category_code,
        "category" if own else "tier",
    )  # fmt: skip


def tier_sessions(report: Report) -> list[MediationSession]:
    """The sessions held at the case's current tier, by its current unit, since it got the case."""
    query = select(MediationSession).where(
        MediationSession.report_id == report.id,
        MediationSession.tier == report.tier,
        MediationSession.unit_code == report.unit_code,
    )
    if report.assigned_at is not None:
        query = query.where(MediationSession.created_at >= report.assigned_at)
    return list(db.session.scalars(query.order_by(MediationSession.held_at, MediationSession.id)))


@dataclass(frozen=True)
class AttemptStatus:
    tier: str
    max_sessions: int
    within_days: int
    sessions_used: int
    sessions_left: int
    started_at: datetime | None
    ends_at: datetime | None
    days_left: float | None
    agreed: bool
    spent_at: datetime | None  # when the tier used its attempts or ran out of days
    escalate_at: datetime | None  # when the sweep sends it up (None: no tier above / not spent)
    cause: str | None  # "sessions" or "days"

    @property
    def spent(self) -> bool:
        return self.spent_at is not None

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "spent": self.spent}


def grace() -> timedelta:
    from flask import current_app

    return timedelta(hours=float(current_app.config["MEDIATION_GRACE_HOURS"]))


def attempt_status(report: Report, at: datetime | None = None) -> AttemptStatus | None:
    """Where the case stands under the rule at its tier; None before mediation begins there."""
    if report.tier not in TIERS:
        return None
    sessions = tier_sessions(report)
    if not sessions:
        return None
    at = at or now()
    limits = limits_for(report.tier, report.category_code)
    started = sessions[0].held_at
    ends = started + timedelta(days=limits.within_days)
    agreed = any(s.result == "agreement" for s in sessions)
    spent_at, cause = None, None
    if not agreed:
        if len(sessions) >= limits.max_sessions:
            spent_at, cause = sessions[limits.max_sessions - 1].created_at, "sessions"
        if ends <= at and (spent_at is None or ends < spent_at):
            spent_at, cause = ends, "days"
    top = report.tier == TIERS[-1]
    return AttemptStatus(
        tier=report.tier,
        max_sessions=limits.max_sessions,
        within_days=limits.within_days,
        sessions_used=len(sessions),
        sessions_left=max(0, limits.max_sessions - len(sessions)),
        started_at=started,
        ends_at=ends,
        days_left=round(max(0.0, (ends - at).total_seconds() / 86400), 1),
        agreed=agreed,
        spent_at=spent_at,
        escalate_at=spent_at + grace() if spent_at is not None and not top else None,
        cause=cause,
    )


def check_limits(values: dict[str, Any]) -> None:
    if values.get("tier") not in TIERS:
        raise Invalid.field("tier", f"must be one of {', '.join(TIERS)}")
    for name in ("max_sessions", "within_days"):
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
            raise Invalid.field(name, "must be a whole number from 1 to 365")
