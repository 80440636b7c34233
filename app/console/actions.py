"""Every console button in one place: which ones a user may press now, and pressing one.

The console never changes a case by itself: each action calls the service that owns the step
(triage, workflow), and the buttons shown come from the one transition table. When the
lifecycle module lands, this is the only file to repoint.
"""

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.core.clock import now
from app.core.errors import Conflict, DomainError, Forbidden, Invalid
from app.extensions import db
from app.reports.access import can_see
from app.reports.models import Report, ReportEvent
from app.triage import claims
from app.triage.service import Decision, triage
from app.workflow import archive, followup, handling
from app.workflow.deadlines import return_window_closes
from app.workflow.escalation import escalate
from app.workflow.transitions import REPORTER, SYSTEM, step_for

# The buttons, in the order a page shows them (SCREENS.md fixes the Chinese names).
LABELS = {
    "dispatch": "派单",
    "merge": "合并",
    "reject": "不予受理",
    "need_info": "补充信息",
    "accept": "签收",
    "return": "退回",
    "progress": "进展",
    "escalate": "升级",
    "resolve": "办结",
    "follow_up": "回访",
    "supervise": "督办",
    "reopen": "返工",
    "close": "结案",
    "archive": "归档",
}
TRIAGE_ACTIONS = ("dispatch", "merge", "reject", "need_info")
# Reopening by hand is the desk's and the supervisors' (the reporter and the sweep do it too).
REOPEN_ROLES = ("cleaner", "supervisor")

# What a field-level refusal says next to the field, whatever the service's English words.
FIELD_MESSAGES = {
    "category_code": "请选择类别",
    "risk_level": "请选择风险等级",
    "unit_code": "请选择承办单位",
    "area_code": "请选择承办单位",
    "reason": "请填写原因",
    "note": "请填写说明",
    "question": "请填写要问报告人的问题",
    "outcome": "请选择处理结果",
    "satisfaction": "请选择满意度",
    "method": "请选择回访方式",
    "duplicate_of": "请选择要合并到的案件",
    "photos": "照片无法使用，请换一张",
}
# need_info's question travels as the triage decision's `reason`.
FORM_FIELD = {("need_info", "reason"): "question"}


@dataclass
class Refusal(Exception):
    """An action refused: `errors` by form field, or a `message` for the whole page."""

    status: int
    message: str
    errors: dict[str, str] = field(default_factory=dict)


def _staff_roles(action: str, state: str) -> frozenset[str]:
    step = step_for(state, action)
    if step is None:
        return frozenset()
    roles = step.roles - {REPORTER, SYSTEM}
    if action == "reopen":
        roles &= set(REOPEN_ROLES)
    return roles


def allowed_actions(report: Report, user: User) -> list[str]:
    """The actions `user` may take on `report` now (the buttons the case page shows)."""
    if not can_see(user, report):
        return []
    at = now()
    allowed = []
    for action in LABELS:
        roles = _staff_roles(action, report.status)
        if action == "close" and report.status == "resolved":
            roles = _staff_roles("close", "resolved") | _staff_roles(
                "close_without_follow_up", "resolved"
            )
        if not roles or not user.has_role(*roles):
            continue
        mine = user.has_role(*(roles - {"responder"}))
        if not mine and report.unit_code != user.unit_code:
            continue  # a responder acts only on their own unit's cases
        held_by_other = claims.claim_is_active(report, at) and report.claimed_by_user_id != user.id
        if action in TRIAGE_ACTIONS and held_by_other:
            continue
        if action == "return" and at > return_window_closes(report):
            continue
        if action == "close" and not _closable_by(report, user):
            continue
        allowed.append(action)
    return allowed


def _closable_by(report: Report, user: User) -> bool:
    if report.followed_up_at is not None:
        return True
    return user.has_role("supervisor") and not followup.has_reporter_contact(report)


def apply(report_id: int, action: str, user: User, form: dict[str, Any], files=()) -> Report:
    """Take `action` on the report with the form's values, in the caller's transaction."""
    if action not in LABELS:
        raise Refusal(404, "没有这个操作")
    try:
        if action in TRIAGE_ACTIONS:
            return triage(report_id, user, _decision(action, form))
        report = handling.case_for(user, report_id)
        _STEPS[action](report, user, form, files, _version(form))
        return report
    except Invalid as error:
        raise _field_refusal(error, action) from None
    except Forbidden as error:
        raise Refusal(403, "您没有权限对这件案件执行此操作。") from error
    except Conflict as error:
        raise Refusal(409, conflict_text(report_id, action, error)) from None
    except DomainError as error:
        raise Refusal(int(error.status_code), error.message) from None


def _version(form: dict[str, Any]) -> int | None:
    raw = str(form.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


def _text(form: dict[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def _decision(action: str, form: dict[str, Any]) -> Decision:
    duplicate = _text(form, "duplicate_of")
    reason = _text(form, "question") if action == "need_info" else _text(form, "reason")
    return Decision(
        action=action,
        category_code=_text(form, "category_code") or None,
        risk_level=_text(form, "risk_level") or None,
        unit_code=_text(form, "unit_code") or None,
        duplicate_of=int(duplicate) if duplicate.isdigit() else None,
        reason=reason or None,
        note=_text(form, "note") or None,
    )


def _accept(report, user, form, files, version):
    handling.accept(report, user, _text(form, "note") or None, version)


def _return(report, user, form, files, version):
    handling.return_to_queue(report, user, _text(form, "reason"), version)


def _progress(report, user, form, files, version):
    uploads = [handling.Upload(f.read(), f.filename or "") for f in files if f.filename]
    handling.record_progress(report, user, _text(form, "note"), uploads, version)


def _escalate(report, user, form, files, version):
    if not _text(form, "reason"):
        raise Invalid.field("reason", "say why")
    escalate(report, user, _text(form, "reason"), expected_version=version)


def _resolve(report, user, form, files, version):
    handling.resolve(report, user, _text(form, "outcome"), _text(form, "note"), version)


def _follow_up(report, user, form, files, version):
    followup.record_follow_up(
        report,
        _text(form, "satisfaction"),
        _text(form, "method"),
        _text(form, "note") or None,
        user,
        version,
    )


def _supervise(report, user, form, files, version):
    handling.supervise(report, user, _text(form, "note"), version)


def _reopen(report, user, form, files, version):
    followup.reopen(report, user, _text(form, "reason"), expected_version=version)


def _close(report, user, form, files, version):
    without = report.followed_up_at is None and not followup.has_reporter_contact(report)
    followup.close(
        report,
        user,
        without_follow_up=without,
        reason=_text(form, "reason") or None,
        expected_version=version,
    )


def _archive(report, user, form, files, version):
    archive.archive(report, user, version)


_STEPS = {
    "accept": _accept,
    "return": _return,
    "progress": _progress,
    "escalate": _escalate,
    "resolve": _resolve,
    "follow_up": _follow_up,
    "supervise": _supervise,
    "reopen": _reopen,
    "close": _close,
    "archive": _archive,
}


def _field_refusal(error: Invalid, action: str) -> Refusal:
    errors: dict[str, str] = {}
    for location in (error.errors or {}).values():
        if not isinstance(location, dict):
            continue
        for name in location:
            form_name = FORM_FIELD.get((action, name), name)
            errors[form_name] = FIELD_MESSAGES.get(form_name, "请检查这一项")
    return Refusal(422, "提交没有成功，请按提示修改。", errors)


def conflict_text(report_id: int, action: str, error: Conflict) -> str:
    """Who did what first, in Chinese, for the page that offers to reload."""
    from app.console.labels import ACTION_NAMES, STATUS_NAMES, person_name

    db.session.rollback()
    report = db.session.get(Report, report_id)
    if report is None:
        return "这件案件已不存在。"
    at = now()
    if report.status in ("received", "needs_info") and claims.claim_is_active(report, at):
        holder = db.session.get(User, report.claimed_by_user_id)
        if holder is not None and action in TRIAGE_ACTIONS:
            return (
                f"{person_name(holder)} 正在处理这件案件（认领至 "
                f"{_hhmm(report.claim_expires_at)}），请处理其他案件。"
            )
    last = db.session.scalars(
        select(ReportEvent)
        .where(ReportEvent.report_id == report_id, ReportEvent.actor_user_id.is_not(None))
        .order_by(ReportEvent.id.desc())
        .limit(1)
    ).first()
    state = STATUS_NAMES.get(report.status, report.status)
    if last is not None:
        actor = db.session.get(User, last.actor_user_id)
        who = person_name(actor) if actor else "其他人"
        did = ACTION_NAMES.get(last.action, last.action)
        return (
            f"无法{LABELS.get(action, action)}：{who} 已于 {_hhmm(last.created_at)} {did}，"
            f"案件现为「{state}」。请刷新页面后再操作。"
        )
    return f"无法{LABELS.get(action, action)}：案件现为「{state}」。请刷新页面后再操作。"


def _hhmm(moment) -> str:
    from app.core.clock import in_shanghai

    return f"{in_shanghai(moment):%m-%d %H:%M}" if moment else ""


def return_window_open(report: Report) -> bool:
    return report.status == "dispatched" and now() <= return_window_closes(report)


def claim_next(user: User, count: int) -> list[Report]:
    return claims.claim_next(user, count)


def release(user: User, report_ids: list[int]) -> list[int]:
    released, _ = claims.release(user, report_ids)
    return released


def next_in_queue(user: User, after_id: int | None = None) -> Report | None:
    """The report a cleaner works on next: one they hold, else the top free one (claimed now)."""
    at = now()
    mine = db.session.scalars(
        claims.queue_query(user).where(claims.held_by(user, at)).limit(1)
    ).first()
    if mine is not None:
        return mine
    taken = claims.claim_next(user, 1)
    return taken[0] if taken else None


def lease_minutes() -> int:
    return int(current_app.config["QUEUE_LEASE_SECONDS"]) // 60
