"""/console/admin/areas: the area tree with counts; upload a GeoJSON file, preview, 确认导入.

The upload is kept server-side under its SHA-256 (`AdminUpload`) and checked by the API's own
importer in a rolled-back savepoint (`preview_feature_collection`); only 确认导入 runs the
import for real. The same file uploaded again is the same row, and importing it again changes
nothing (the importer counts it unchanged; no audit record).
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask import abort, request, url_for
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import delete, func, select

from app.admin_console.maps import drawn, preview_map
from app.admin_console.models import AdminUpload
from app.admin_console.shell import admin, blp, done, page
from app.areas.importer import (
    convert_geometry,
    import_feature_collection,
    preview_feature_collection,
)
from app.areas.models import LEVEL_NAMES_ZH, Area
from app.audit import subjects as audit
from app.core.clock import now
from app.core.coords import CoordSys
from app.core.errors import Invalid
from app.extensions import db
from app.reports.models import Report
from app.units.models import Unit

COORD_SYSTEMS = [("wgs84", "WGS84（GPS、国家标准）"), ("gcj02", "GCJ-02（高德、腾讯地图）")]
KEEP_UPLOADS = timedelta(days=1)
MAX_ROWS_SHOWN = 500
FIELD_NAMES = {
    "type": "类型",
    "features": "要素",
    "code": "编码",
    "name": "名称",
    "level": "级别",
    "parent_code": "上级编码",
    "geometry": "边界",
}
# The importer's reasons (English, as the API gives them) in the words of the page.
REASONS = (
    (re.compile(r"^missing$"), "缺少"),
    (re.compile(r"^not a GeoJSON Feature$"), "不是 GeoJSON Feature"),
    (re.compile(r"^must be one of (.+)$"), r"必须是以下之一：\1"),
    (re.compile(r"^duplicate code, also feature (\d+)$"), r"编码重复（序号 \1 也用了它）"),
    (re.compile(r"^unknown parent (.+)$"), r"上级区域 \1 不存在（文件里和系统里都没有）"),
    (re.compile(r"^a (\S+) cannot sit under a (\S+) \((.+)\)$"), r"\1 不能位于 \2（\3）之下"),
    (re.compile(r"^not a GeoJSON geometry.*$"), "不是有效的 GeoJSON 几何"),
    (re.compile(r"^must be a non-empty Polygon or MultiPolygon$"), "必须是非空的多边形"),
    (re.compile(r"^invalid polygon: (.+)$"), r"多边形无效（自相交等）：\1"),
    (re.compile(r"^coordinates outside.*$"), "坐标超出经度 -180～180、纬度 -90～90"),
    (re.compile(r"^must be a GeoJSON FeatureCollection$"), "必须是 GeoJSON FeatureCollection"),
    (re.compile(r"^must be a non-empty list of features$"), "必须含有至少一个要素"),
)


def reason_text(field_name: str, message: str) -> str:
    for pattern, words in REASONS:
        if pattern.match(message):
            message = pattern.sub(words, message)
            break
    for level, name in LEVEL_NAMES_ZH.items():
        message = re.sub(rf"\b{level}\b", name, message)
    return f"{FIELD_NAMES.get(field_name, field_name)}：{message}"


# --- the tree -----------------------------------------------------------------------------


@dataclass
class TreeRow:
    code: str
    name: str
    level: str
    depth: int
    units: int = 0
    grids: int = 0
    reports: int = 0


def area_tree() -> list[TreeRow]:
    """Every area, parents before children, with counts of its subtree's units, grids, reports."""
    rows = {
        code: TreeRow(code, name, level, path.count("/") - 2)
        for code, name, level, path in db.session.execute(
            select(Area.code, Area.name, Area.level, Area.path).order_by(Area.path)
        )
    }
    paths = dict(db.session.execute(select(Area.code, Area.path)).tuples().all())

    def add(code: str | None, attribute: str, n: int) -> None:
        for ancestor in (paths.get(code) or "").strip("/").split("/"):
            if ancestor in rows:
                setattr(rows[ancestor], attribute, getattr(rows[ancestor], attribute) + n)

    for code, n in db.session.execute(
        select(Unit.area_code, func.count()).where(Unit.active.is_(True)).group_by(Unit.area_code)
    ):
        add(code, "units", n)
    for code, n in db.session.execute(
        select(Report.area_code, func.count()).group_by(Report.area_code)
    ):
        add(code, "reports", n)
    for row in list(rows.values()):
        if row.level == "grid":
            add(row.code, "grids", 1)
    return list(rows.values())


def _areas_page(status: int = 200, errors: dict | None = None, values=None):
    return page(
        "admin/areas.html",
        status=status,
        tree=area_tree(),
        levels=LEVEL_NAMES_ZH,
        coord_systems=COORD_SYSTEMS,
        errors=errors or {},
        values=values or {"coord_sys": "wgs84"},
        map_svg=preview_map([]),
    )


@blp.get("/areas")
def areas():
    return _areas_page()


# --- upload → preview → 确认导入 -------------------------------------------------------------


def _coord_sys(raw: str | None) -> str | None:
    return raw if raw in {c.value for c in (CoordSys.WGS84, CoordSys.GCJ02)} else None


@blp.post("/areas/upload")
def upload_areas():
    errors = {}
    coord_sys = _coord_sys(request.form.get("coord_sys"))
    if coord_sys is None:
        errors["coord_sys"] = "请选择文件的坐标系。"
    upload = request.files.get("file")
    content = upload.read() if upload else b""
    if not content:
        errors["file"] = "请选择一个 GeoJSON 文件。"
    else:
        try:
            json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            errors["file"] = "文件不是 UTF-8 编码的 JSON（GeoJSON）文件。"
    if errors:
        return _areas_page(422, errors, request.form)
    digest = hashlib.sha256(content).hexdigest()
    db.session.execute(delete(AdminUpload).where(AdminUpload.uploaded_at < now() - KEEP_UPLOADS))
    if db.session.get(AdminUpload, digest) is None:
        db.session.add(
            AdminUpload(
                sha256=digest,
                kind="areas",
                filename=(upload.filename or "")[:200],
                content=content,
                uploaded_by_user_id=admin().id,
            )
        )
    db.session.commit()
    return done(
        "文件已上传，尚未导入：请检查下面的结果。",
        "admin.area_preview",
        digest=digest,
        coord_sys=coord_sys,
    )


@dataclass
class FeatureRow:
    index: int
    code: str
    name: str
    level: str
    parent_code: str
    reasons: list[str] = field(default_factory=list)
    status: str = ""


def _uploaded(digest: str) -> tuple[AdminUpload, object]:
    upload = db.session.get(AdminUpload, digest)
    if upload is None or upload.kind != "areas":
        abort(404)
    return upload, json.loads(upload.content.decode("utf-8-sig"))


def _text(value) -> str:
    return "" if value in (None, "") else str(value).strip()


def _check(data, coord_sys: str):
    """The importer's verdict on the file: (result or None, file-level reasons, feature rows)."""
    raw_features = data.get("features") if isinstance(data, dict) else None
    raw_features = raw_features if isinstance(raw_features, list) else []
    rows = []
    for index, raw in enumerate(raw_features):
        props = (raw.get("properties") if isinstance(raw, dict) else None) or {}
        props = props if isinstance(props, dict) else {}
        rows.append(
            FeatureRow(
                index,
                _text(props.get("code")),
                _text(props.get("name")),
                _text(props.get("level")),
                _text(props.get("parent_code")),
            )
        )
    file_reasons: list[str] = []
    try:
        result = preview_feature_collection(data, coord_sys)
    except Invalid as refused:
        result = None
        body = (refused.errors or {}).get("json", {})
        per_feature = body.get("features")
        if isinstance(per_feature, dict):
            for index, entry in per_feature.items():
                for name, messages in entry.get("errors", {}).items():
                    rows[int(index)].reasons += [reason_text(name, m) for m in messages]
        else:
            for name, messages in body.items():
                file_reasons += [reason_text(name, m) for m in messages]
    if result is not None:
        known = set(
            db.session.scalars(select(Area.code).where(Area.code.in_([r.code for r in rows])))
        )
        changed = set(result.changed)
        for row in rows:
            row.status = (
                "新建" if row.code not in known else "更新" if row.code in changed else "未变"
            )
    return result, file_reasons, rows


def _drawings(data, rows: list[FeatureRow], coord_sys: str):
    pictures = []
    for row, raw in zip(rows, data.get("features", []), strict=False):
        try:
            geometry = shape(raw.get("geometry") or {})
        except Exception:
            continue
        if isinstance(geometry, Polygon):
            geometry = MultiPolygon([geometry])
        if not isinstance(geometry, MultiPolygon) or geometry.is_empty:
            continue
        try:
            geometry = convert_geometry(geometry, CoordSys(coord_sys))
        except Exception:
            continue
        pictures.append(drawn(row.code, row.name, geometry, bool(row.reasons)))
    return pictures


def _preview_page(digest: str, coord_sys: str, status: int = 200):
    upload, data = _uploaded(digest)
    result, file_reasons, rows = _check(data, coord_sys)
    bad = [r for r in rows if r.reasons]
    return page(
        "admin/area_preview.html",
        status=status,
        upload=upload,
        digest=digest,
        coord_sys=coord_sys,
        coord_name=dict(COORD_SYSTEMS)[coord_sys],
        coord_systems=COORD_SYSTEMS,
        result=result,
        file_reasons=file_reasons,
        rows=rows[:MAX_ROWS_SHOWN],
        hidden_rows=max(0, len(rows) - MAX_ROWS_SHOWN),
        bad=bad,
        total=len(rows),
        levels=LEVEL_NAMES_ZH,
        map_svg=preview_map(_drawings(data, rows, coord_sys) if isinstance(data, dict) else []),
        values={"coord_sys": coord_sys},
    )


@blp.get("/areas/preview/<digest>")
def area_preview(digest: str):
    coord_sys = _coord_sys(request.args.get("coord_sys")) or "wgs84"
    return _preview_page(digest, coord_sys)


@blp.post("/areas/import")
def import_areas():
    digest = request.form.get("digest", "")
    coord_sys = _coord_sys(request.form.get("coord_sys"))
    if coord_sys is None:
        abort(404)
    upload, data = _uploaded(digest)
    try:
        result = import_feature_collection(data, coord_sys)
    except Invalid:
        db.session.rollback()
        return _preview_page(digest, coord_sys, status=422)
    audit.area_import(result, coord_sys)
    db.session.delete(upload)
    db.session.commit()
    if not result.changed:
        return done(
            f"文件与现有区域相同，没有变化（{result.unchanged} 个区域未变）。", "admin.areas"
        )
    return done(
        f"已导入：新建 {result.created} 个，更新 {result.updated} 个，"
        f"未变 {result.unchanged} 个区域。",
        "admin.areas",
    )


def preview_url(digest: str, coord_sys: str) -> str:
    return url_for("admin.area_preview", digest=digest, coord_sys=coord_sys)
