"""The one function every admin write path calls: `record_change`.

It adds an `AdminChange` to the session and does not commit: the caller commits it together
with the change, so a change that is rolled back leaves no record and a recorded change is
never missing. Who did it comes from the signed-in user of the request (the console session
or the API token), unless given.
"""

from typing import Any

from flask import g, has_request_context, request

from app.audit.models import AdminChange
from app.core.privacy import mask_phone
from app.extensions import db

# Every kind of change, by the object it touches: the audit page filters by these groups.
KIND_GROUPS = {
    "area": "区域",
    "unit": "单位",
    "user": "用户",
    "qr_site": "码点",
    "rule": "分流规则",
    "deadline": "时限",
    "calendar": "工作日历",
    "webhook": "订阅",
}
KIND_NAMES = {
    "area.import": "导入区域",
    "unit.create": "新建单位",
    "unit.update": "修改单位",
    "user.create": "新建用户",
    "user.update": "修改用户",
    "user.disable": "停用用户",
    "user.reset_password": "重置密码",
    "qr_site.create": "新建码点",
    "qr_site.import": "批量导入码点",
    "qr_site.rotate": "更换二维码",
    "qr_site.disable": "停用码点",
    "rule.create": "新建规则",
    "rule.update": "修改规则",
    "rule.retire": "停用规则",
    "deadline.update": "修改时限",
    "calendar.update": "修改工作日历",
    "calendar.import": "导入工作日历",
    "webhook.create": "新建订阅",
    "webhook.update": "修改订阅",
    "webhook.delete": "删除订阅",
    "webhook.test": "发送测试",
}
HIDDEN = "（已隐藏）"
_SECRET_WORDS = ("password", "secret", "token", "密码")
_PHONE_WORDS = ("phone", "mobile", "电话", "手机")
MAX_VALUE_CHARS = 500


def _clean_value(key: str, value: Any) -> Any:
    lowered = key.lower()
    if any(word in lowered for word in _SECRET_WORDS):
        return HIDDEN if value not in (None, "") else value
    if any(word in lowered for word in _PHONE_WORDS) and isinstance(value, str):
        return mask_phone(value)
    if isinstance(value, (list, tuple, set)):
        value = sorted(value, key=str) if isinstance(value, set) else list(value)
        return [v if isinstance(v, (int, float, bool)) or v is None else str(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def scrub(values: dict[str, Any] | None) -> dict[str, Any]:
    """What may be kept of a set of field values: no secrets, phones masked, long text cut."""
    return {str(k): _clean_value(str(k), v) for k, v in (values or {}).items()}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list]:
    """{field: [before, after]} for the fields that differ (a missing side is None), scrubbed:
    a changed secret is kept as changed, never its value."""
    before, after = dict(before or {}), dict(after or {})
    keys = list(before) + [k for k in after if k not in before]
    return {
        str(key): [_clean_value(str(key), before.get(key)), _clean_value(str(key), after.get(key))]
        for key in keys
        if _comparable(before.get(key)) != _comparable(after.get(key))
    }


def _comparable(value: Any) -> Any:
    return sorted(map(str, value)) if isinstance(value, (list, tuple, set)) else value


def _via() -> str:
    if not has_request_context():
        return "cli"
    return "api" if request.path.startswith("/api/") else "console"


def record_change(
    kind: str,
    target_type: str,
    target_id: Any = "",
    target_label: str = "",
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
    actor=None,
) -> AdminChange:
    """Record one admin change (in the caller's transaction; the caller commits).

    `before`/`after` are the changed object's fields as plain values; only the ones that differ
    are kept, secrets hidden and phone numbers masked. `summary` is one line for people
    (e.g. "新建 3 个，未变 2 个").
    """
    if actor is None:
        actor = g.get("current_user")
    change = AdminChange(
        actor_user_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", "") or "",
        via=_via(),
        kind=kind,
        target_type=target_type,
        target_id=str(target_id or "")[:80],
        target_label=(target_label or "")[:200],
        summary=summary,
        changes=diff(before, after),
    )
    db.session.add(change)
    return change
