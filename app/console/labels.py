"""The console's words: stored values in the Chinese SCREENS.md fixes, and the timeline in prose."""

from app.accounts.models import User
from app.reports.models import ReportEvent
from app.stats.labels import (
    CARD_NAMES,
    CHANNEL_NAMES,
    OUTCOME_NAMES,
    RISK_NAMES,
    SATISFACTION_NAMES,
    STATUS_NAMES,
)

__all__ = [
    "ACTION_NAMES",
    "CARD_NAMES",
    "CHANNEL_NAMES",
    "METHOD_NAMES",
    "OUTCOME_NAMES",
    "RISK_NAMES",
    "ROLE_NAMES",
    "SATISFACTION_NAMES",
    "STATUS_NAMES",
    "person_name",
    "timeline_text",
]

METHOD_NAMES = {"phone": "电话", "visit": "上门", "online": "线上"}
ROLE_NAMES = {
    "admin": "系统管理员",
    "supervisor": "督办人员",
    "cleaner": "信息清洗员",
    "responder": "承办单位",
    "grid_worker": "网格员",
}
ACTION_NAMES = {
    "created": "提交反映",
    "dispatch": "派单",
    "merge": "合并",
    "reject": "不予受理",
    "need_info": "要求补充信息",
    "add_info": "补充了信息",
    "accept": "签收",
    "return": "退回",
    "progress": "记录进展",
    "escalate": "升级",
    "resolve": "办结",
    "follow_up": "回访",
    "reopen": "返工",
    "supervise": "督办",
    "close": "结案",
    "close_without_follow_up": "免回访结案",
    "archive": "归档",
    "card_changed": "亮牌变化",
    "photo_added": "添加照片",
    "triage_note": "分流备注",
    "route_override": "改派单位",
    "survivor_changed": "合并目标变化",
    "anonymised": "隐去联系方式",
    "resident_followed": "居民关注此案",
}


def person_name(user: User | None) -> str:
    if user is None:
        return "系统"
    return user.display_name or user.username


def timeline_text(event: ReportEvent, actor: str, units: dict[str, str]) -> str:
    """One event as a sentence a clerk reads aloud: who did what, and what they said."""
    payload = event.payload or {}
    name = ACTION_NAMES.get(event.action, event.action)
    if event.action == "dispatch":
        unit = payload.get("unit_name") or units.get(payload.get("unit_code"), "")
        text = f"{actor} 派单至 {unit}"
    elif event.action == "escalate":
        text = f"{actor} 升级至 {units.get(payload.get('to_unit'), payload.get('to_unit', ''))}"
    elif event.action == "resolve":
        text = f"{actor} 办结：{OUTCOME_NAMES.get(payload.get('outcome'), '')}"
    elif event.action == "follow_up":
        text = (
            f"{actor} 回访（{METHOD_NAMES.get(payload.get('method'), '')}）："
            f"{SATISFACTION_NAMES.get(payload.get('satisfaction'), '')}"
        )
    elif event.action == "card_changed":
        after = CARD_NAMES.get(payload.get("to"), "") or "摘牌"
        text = f"期限提醒：{after}"
    elif event.action == "merge":
        text = f"{actor} 合并至案件 #{payload.get('duplicate_of')}"
    elif event.action == "resident_followed":
        text = "又一位居民反映同一问题，选择关注本案进度"
    else:
        text = f"{actor} {name}"
    reason = (event.reason or "").strip()
    if reason and event.action not in ("merge",):
        text += f"。{reason}"
    return text
