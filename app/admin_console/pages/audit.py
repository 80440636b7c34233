"""/console/admin/audit: every admin change, newest first, filtered by the kind of object."""

from flask import request
from sqlalchemy import select

from app.admin_console.shell import blp, page
from app.audit.models import AdminChange
from app.audit.record import KIND_GROUPS, KIND_NAMES
from app.extensions import db

PAGE_SIZE = 100
VIA_NAMES = {"api": "接口", "cli": "命令行", "console": "页面"}
# Field names shown for the `changes` of a record; a field not listed shows as stored.
FIELD_NAMES = {
    "name": "名称",
    "code": "编码",
    "kind": "类型",
    "active": "启用",
    "rotation": "二维码版本",
    "area_code": "区域",
    "subdistrict_code": "街道",
    "location": "位置",
    "created": "新建",
    "updated": "更新",
    "unchanged": "未变",
    "codes": "编码",
    "roles": "角色",
    "area_codes": "辖区",
    "unit_code": "单位",
    "display_name": "姓名",
    "password": "密码",
    "phone": "电话",
    "url": "地址",
    "events": "事件",
    "pattern": "规则",
}


def show(value) -> str:
    if value is None or value == "":
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "（空）"
    return str(value)


@blp.get("/audit")
def audit():
    kind = request.args.get("kind") or None
    kind = kind if kind in KIND_GROUPS else None
    before = request.args.get("before", type=int)
    query = select(AdminChange).order_by(AdminChange.id.desc())
    if kind:
        query = query.where(AdminChange.target_type == kind)
    if before:
        query = query.where(AdminChange.id < before)
    changes = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    return page(
        "admin/audit.html",
        changes=changes[:PAGE_SIZE],
        more=len(changes) > PAGE_SIZE,
        kind=kind,
        groups=list(KIND_GROUPS.items()),
        kind_names=KIND_NAMES,
        via_names=VIA_NAMES,
        field_names=FIELD_NAMES,
        show=show,
    )
