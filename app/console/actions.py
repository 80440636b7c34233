"""Every console button in one place: which ones a user may press now, and pressing one.

The console never changes a case by itself: the buttons shown are the lifecycle's
`allowed_actions` and a button pressed is the lifecycle's `apply` (app.lifecycle); this
module only turns form fields into the action's data and refusals into Chinese words.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from app import lifecycle
from app.accounts.models import User
from app.core.clock import now
from app.core.errors import Conflict, DomainError, Forbidden, Invalid
from app.extensions import db
from app.lifecycle.ending import has_reporter_contact
from app.lifecycle.unit import Upload
from app.reports.models import Report, ReportEvent
from app.triage import claims
from app.triage.service import report_to_decide
from app.workflow.handling import case_for

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
    # 调解 and 联调联处 / 吹哨报到 (app.mediation)
    "mediate": "调解记录",
    "summon": "吹哨",
    "acknowledge": "报到",
    "report_part": "报告协办情况",
}
TRIAGE_ACTIONS = ("dispatch", "merge", "reject", "need_info")

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
    "held_at": "请填写调解时间（不晚于现在）",
    "place": "请填写调解地点",
    "mediators": "请填写调解员",
    "parties_present": "请填写到场当事人",
    "result": "请选择调解结果",
    "terms": "请填写协议内容",
    "unit_codes": "请选择被召单位",
    "co_unit_codes": "请检查协办单位",
    "due_at": "请填写晚于现在的报到时限",
}
# Names typed in one box, separated as people write them.
NAME_SEPARATORS = re.compile(r"[、,，;；\s]+")
# need_info's question travels as the action's `reason`.
FORM_FIELD = {("need_info", "reason"): "question"}


@dataclass
class Refusal(Exception):
    """An action refused: `errors` by form field, or a `message` for the whole page."""

    status: int
    message: str
    errors: dict[str, str] = field(default_factory=dict)


def allowed_actions(report: Report, user: User) -> list[str]:
    """The buttons the case page shows `user` now, in the page's order.

    结案 stands for both ways of closing (after a call-back, or without one when nobody can
    be called); a report another cleaner holds offers no triage button.
    """
    found = set(lifecycle.allowed_actions(report, user))
    if "close_without_follow_up" in found:
        found.add("close")
    held_by_other = claims.claim_is_active(report, now()) and report.claimed_by_user_id != user.id
    return [
        action
        for action in LABELS
        if action in found and not (action in TRIAGE_ACTIONS and held_by_other)
    ]


def apply(report_id: int, action: str, user: User, form: dict[str, Any], files=()) -> Report:
    """Take `action` on the report with the form's values, in the caller's transaction."""
    if action not in LABELS:
        raise Refusal(404, "没有这个操作")
    try:
        data = _data(action, form, files)
        if action in TRIAGE_ACTIONS:
            report = report_to_decide(user, report_id, {"action": action, **data})
        else:
            report = case_for(user, report_id)
        if action in ("acknowledge", "report_part"):
            data["part_id"] = _own_part(report, user)
        lifecycle.apply(report, _lifecycle_action(action, report), user, data)
        return report
    except Invalid as error:
        raise _field_refusal(error, action) from None
    except Forbidden as error:
        raise Refusal(403, "您没有权限对这件案件执行此操作。") from error
    except Conflict as error:
        raise Refusal(409, conflict_text(report_id, action, error)) from None
    except DomainError as error:
        raise Refusal(int(error.status_code), error.message) from None


def _lifecycle_action(action: str, report: Report) -> str:
    if action == "close" and report.followed_up_at is None and not has_reporter_contact(report):
        return "close_without_follow_up"
    return action


def _data(action: str, form: dict[str, Any], files) -> dict[str, Any]:
    """The form's fields as the action's input."""
    data = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in form.items()
        if name not in ("csrf_token", "next", "version") and value not in ("", None)
    }
    version = str(form.get("version") or "").strip()
    if version.isdigit():
        data["version"] = int(version)
    duplicate = str(form.get("duplicate_of") or "")
    data["duplicate_of"] = int(duplicate) if duplicate.isdigit() else None
    if action == "need_info":
        data["reason"] = data.pop("question", "")
    if action == "escalate" and not data.get("reason"):
        raise Invalid.field("reason", "say why the case goes up a tier")
    if action == "mediate":
        for name in ("mediators", "parties_present"):
            data[name] = [n for n in NAME_SEPARATORS.split(str(data.get(name) or "")) if n]
        data["held_at"] = _local_time(data.get("held_at"), "held_at")
        data["online"] = bool(data.get("online"))
    if action == "summon":
        data["due_at"] = _local_time(data.get("due_at"), "due_at")
    if action == "progress":
        data["photos"] = [Upload(f.read(), f.filename or "") for f in files if f.filename]
    return data


def _local_time(text, name: str):
    """A datetime-local field (Asia/Shanghai wall-clock time)."""
    from app.core.clock import SHANGHAI

    try:
        return datetime.fromisoformat(str(text)).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise Invalid.field(name, "not a time") from None


def _own_part(report: Report, user: User) -> int | None:
    """The part of this case the user's unit holds and has not finished."""
    from app.mediation.parts import parts_of

    part = next(
        (p for p in parts_of(report.id) if p.unit_code == user.unit_code and not p.finished),
        None,
    )
    return part.id if part else None


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
