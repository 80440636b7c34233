"""/console/admin/qr-sites: QR sites with scan and report counts; 新建码点 (coordinates or a click
on the map, 预览 first), 批量导入 (CSV), 打印海报, 更换二维码, 停用, and a poster preview.

Every write goes through `app.qr_sites.service` / `importer` (as the API does) and is recorded
by `app.audit.subjects`.
"""

import re
from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, request, url_for
from sqlalchemy import select

from app.admin_console.maps import pick_map
from app.admin_console.shell import admin, blp, done, page
from app.areas.models import LEVEL_NAMES_ZH, ROUTING_LEVEL, Area
from app.audit import subjects as audit
from app.core.errors import Invalid
from app.extensions import db
from app.qr_sites import posters, service
from app.qr_sites.importer import decode_csv, import_sites
from app.qr_sites.models import KINDS, QrSite

COORD_SYSTEMS = [("wgs84", "WGS84（GPS）"), ("gcj02", "GCJ-02（高德、腾讯地图）")]
SORTS = {
    "name": QrSite.name,
    "scans": QrSite.scan_count,
    "reports": QrSite.report_count,
    "last_scan": QrSite.last_scan_at,
    "created": QrSite.id,
}
SORT_NAMES = {
    "name": "名称",
    "scans": "扫码",
    "reports": "反映",
    "last_scan": "最近扫码",
    "created": "创建",
}
STATES = [("active", "启用中"), ("disabled", "已停用"), ("all", "全部")]
PER_PAGE_CHOICES = [(2, "每页 2 张"), (1, "每页 1 张"), (4, "每页 4 张")]
LIST_LIMIT = 500
FIELD_WORDS = {
    "name": "名称",
    "kind": "类型",
    "lon": "经度",
    "lat": "纬度",
    "coord_sys": "坐标系",
    "area_code": "区域代码",
    "location": "位置",
    "file": "文件",
    "ids": "码点",
}
MESSAGES = (
    (re.compile(r"^must not be empty$"), "不能为空"),
    (re.compile(r"^at most (\d+) characters$"), r"最多 \1 个字"),
    (re.compile(r"^must be a number, not (.*)$"), r"必须是数字（现在是 \1）"),
    (re.compile(r"^must be between (\S+) and (\S+)$"), r"必须在 \1 到 \2 之间"),
    (re.compile(r"^lon.*must be.*$"), "经度必须在 -180 到 180 之间"),
    (re.compile(r"^lat.*must be.*$"), "纬度必须在 -90 到 90 之间"),
    (re.compile(r"^must be wgs84, gcj02 or bd09$"), "必须是 wgs84、gcj02 或 bd09"),
    (re.compile(r"^must be one of .*$"), "不是已知的类型：" + "、".join(KINDS.values())),
    (re.compile(r"^the point is outside every sub-district.*$"),
     "这个位置不在任何街道内，码点会无人处理"),
    (re.compile(r"^unknown area (.+)$"), r"区域 \1 不存在"),
    (re.compile(r"^the point is not inside area (\S+) \(it is in (.+)\)$"),
     r"位置不在区域 \1 内（在 \2）"),
    (re.compile(r"^the header row needs the columns (.+)$"), r"标题行缺少这些列：\1"),
    (re.compile(r"^has no places$"), "没有任何码点"),
    (re.compile(r"^at most (\d+) places per file$"), r"每个文件最多 \1 个码点"),
    (re.compile(r"^is neither UTF-8 nor GB18030 text$"), "不是 UTF-8 或 GB18030 编码的文本"),
)  # fmt: skip


def words(message: str) -> str:
    """One of the service's messages (English, as the API gives them) in Chinese."""
    for pattern, chinese in MESSAGES:
        if pattern.match(message):
            return pattern.sub(chinese, message)
    return message


def row_words(message: str) -> str:
    """'row 3: lon: must be a number' → '第 3 行：经度：必须是数字'."""
    found = re.match(r"^row (\d+): (?:(\w+): )?(.*)$", message)
    if not found:
        return words(message)
    number, name, rest = found.groups()
    where = f"{FIELD_WORDS.get(name, name)}：" if name else ""
    return f"第 {number} 行：{where}{words(rest)}"


def _errors_of(refused: Invalid) -> dict[str, str]:
    found = {}
    for fields in (refused.errors or {}).values():
        for name, messages in (fields or {}).items():
            found.setdefault(name, "；".join(words(str(m)) for m in messages))
    return found or {"_form": words(refused.message)}


# --- the list -----------------------------------------------------------------------------


def _subdistrict_names() -> dict[str, str]:
    return dict(
        db.session.execute(select(Area.code, Area.name).where(Area.level == ROUTING_LEVEL))
        .tuples()
        .all()
    )


@blp.get("/qr-sites")
def qr_sites():
    sort = request.args.get("sort", "created")
    sort = sort if sort in SORTS else "created"
    direction = request.args.get("dir", "desc")
    direction = direction if direction in ("asc", "desc") else "desc"
    state = request.args.get("state", "active")
    state = state if state in dict(STATES) else "active"
    column = SORTS[sort]
    order = column.asc() if direction == "asc" else column.desc()
    if sort == "last_scan":  # never scanned goes last either way
        order = order.nulls_last()
    query = select(QrSite).order_by(order, QrSite.id.desc())
    if state != "all":
        query = query.where(QrSite.active.is_(state == "active"))
    sites = list(db.session.scalars(query.limit(LIST_LIMIT + 1)))
    selected = {int(i) for i in re.findall(r"\d+", request.args.get("selected", ""))}
    return page(
        "admin/qr_sites.html",
        sites=sites[:LIST_LIMIT],
        more=len(sites) > LIST_LIMIT,
        sort=sort,
        direction=direction,
        state=state,
        states=STATES,
        sort_names=SORT_NAMES,
        selected=selected,
        subdistricts=_subdistrict_names(),
        per_page_choices=PER_PAGE_CHOICES,
        sort_url=_sort_url,
        kinds=KINDS,
    )


def _sort_url(column: str, current: str, direction: str, state: str) -> str:
    flip = "asc" if column == current and direction == "desc" else "desc"
    if column == "name" and column != current:
        flip = "asc"
    return (
        url_for("admin.qr_sites") + "?" + urlencode({"sort": column, "dir": flip, "state": state})
    )


# --- 新建码点: 预览, then 新建码点 -------------------------------------------------------------


def _number(form, name: str, errors: dict, label: str, limit: float) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        errors[name] = f"请填写{label}，或在地图上点击。"
        return None
    try:
        value = float(raw)
    except ValueError:
        errors[name] = f"{label}必须是数字，例如 {'105.4' if name == 'lon' else '28.77'}。"
        return None
    if not -limit <= value <= limit:
        errors[name] = f"{label}必须在 {-limit:g} 到 {limit:g} 之间。"
        return None
    return value


def _new_page(values, errors=None, status: int = 200, placed=None):
    located, area = placed if placed else (None, None)
    lon = lat = None
    if located is not None:
        lon, lat = located.lon, located.lat
    return page(
        "admin/qr_site_new.html",
        status=status,
        values=values,
        errors=errors or {},
        kinds=list(KINDS.items()),
        coord_systems=COORD_SYSTEMS,
        located=located,
        area=area,
        levels=LEVEL_NAMES_ZH,
        map_svg=pick_map(
            lon, lat, located.routing_area.code if located and located.routing_area else None
        ),
    )


@blp.get("/qr-sites/new")
def qr_site_new():
    return _new_page({"coord_sys": "wgs84", "kind": "other"})


@blp.post("/qr-sites/new")
def qr_site_create():
    form = request.form
    errors: dict[str, str] = {}
    name = " ".join((form.get("name") or "").split())
    if not name:
        errors["name"] = "请填写码点名称，例如“幸福里3号楼”。"
    elif len(name) > 100:
        errors["name"] = "名称最多 100 个字。"
    kind = form.get("kind") or "other"
    if kind not in KINDS:
        errors["kind"] = "请从列表中选择类型。"
    coord_sys = form.get("coord_sys") or "wgs84"
    if coord_sys not in dict(COORD_SYSTEMS):
        errors["coord_sys"] = "请选择坐标系。"
    lon = _number(form, "lon", errors, "经度", 180)
    lat = _number(form, "lat", errors, "纬度", 90)
    placed = None
    if lon is not None and lat is not None and "coord_sys" not in errors:
        try:
            placed = service.place_site(lon, lat, coord_sys)
        except Invalid as refused:
            found = _errors_of(refused)
            errors["lon"] = found.get("location") or found.get("lon") or next(iter(found.values()))
    if errors:
        return _new_page(form, errors, 422, placed)
    if form.get("step") != "create":
        return _new_page(form, placed=placed)  # 预览: the derived area, then 新建码点
    site = service.create_site(name, lon, lat, kind=kind, coord_sys=coord_sys, actor=admin())
    audit.qr_site_created(site)
    db.session.commit()
    return done(f"已新建码点“{site.name}”。可以打印海报了。", "admin.qr_site", site_id=site.id)


# --- 批量导入 --------------------------------------------------------------------------------


@blp.get("/qr-sites/import")
def qr_site_import_page():
    return page("admin/qr_site_import.html", problems=[])


@blp.post("/qr-sites/import")
def qr_site_import():
    upload = request.files.get("file")
    content = upload.read() if upload else b""
    if not content:
        return page(
            "admin/qr_site_import.html",
            status=422,
            errors={"file": "请选择一个 CSV 文件。"},
            problems=[],
        )
    try:
        result = import_sites(decode_csv(content), actor=admin())
    except Invalid as refused:
        db.session.rollback()
        messages = ((refused.errors or {}).get("files") or {}).get("file") or [refused.message]
        problems = [row_words(str(m)) for m in messages]
        return page(
            "admin/qr_site_import.html",
            status=422,
            errors={"file": f"文件有 {len(problems)} 处问题，没有导入任何码点："},
            problems=problems,
        )
    audit.qr_sites_imported(result)
    db.session.commit()
    ids = ",".join(str(s.id) for s in result.sites)
    flash(
        f"已导入：新建 {len(result.created)} 个码点，{len(result.existing)} 个已存在。"
        "它们已被选中，可以直接打印海报。",
        "ok",
    )
    return redirect(url_for("admin.qr_sites", state="active", selected=ids), 303)


# --- one site, posters, 更换二维码, 停用 -------------------------------------------------------


def _site(site_id: int) -> QrSite:
    site = db.session.get(QrSite, site_id)
    if site is None:
        abort(404)
    return site


@blp.get("/qr-sites/<int:site_id>")
def qr_site(site_id: int):
    site = _site(site_id)
    lon, lat = service.site_lon_lat(site)
    chain = db.session.scalars(
        select(Area).where(Area.code.in_([c for c in (site.area_path or "").split("/") if c]))
    ).all()
    return page(
        "admin/qr_site.html",
        site=site,
        lon=lon,
        lat=lat,
        chain=sorted(chain, key=lambda a: len(a.path)),
        url=service.site_url(site),
        serial=service.site_serial(site),
        per_page_choices=PER_PAGE_CHOICES,
        levels=LEVEL_NAMES_ZH,
        map_svg=pick_map(lon, lat, site.subdistrict_code),
    )


@blp.get("/qr-sites/<int:site_id>/poster.png")
def qr_site_poster(site_id: int):
    site = _site(site_id)
    if not site.active:
        abort(404)
    return _file(posters.poster_png(site), "image/png", f"qr-site-{site.id}.png", inline=True)


@blp.get("/qr-sites/posters.pdf")
def qr_site_posters():
    ids = [int(i) for i in request.args.getlist("ids") if i.isdigit()]
    back = request.args.get("back")
    back_url = url_for("admin.qr_site", site_id=ids[0]) if back == "site" and ids else None
    if not ids:
        flash("请先勾选要打印海报的码点。", "info")
        return redirect(back_url or url_for("admin.qr_sites"), 303)
    per_page = request.args.get("per_page", type=int) or 2
    per_page = per_page if per_page in dict(PER_PAGE_CHOICES) else 2
    found = {s.id: s for s in db.session.scalars(select(QrSite).where(QrSite.id.in_(ids)))}
    sites = [found[i] for i in dict.fromkeys(ids) if i in found]
    disabled = [s.name for s in sites if not s.active]
    if disabled or not sites:
        flash(
            f"已停用的码点不能打印海报：{'、'.join(disabled)}。"
            if disabled
            else "没有找到这些码点。",
            "info",
        )
        return redirect(back_url or url_for("admin.qr_sites"), 303)
    try:
        pdf = posters.sheet_pdf(sites, per_page)
    except Invalid as refused:
        flash(words(refused.message.split(": ", 1)[-1]), "info")
        return redirect(back_url or url_for("admin.qr_sites"), 303)
    name = f"qr-poster-{sites[0].id}.pdf" if len(sites) == 1 else "qr-posters.pdf"
    return _file(pdf, "application/pdf", name)


@blp.post("/qr-sites/<int:site_id>/rotate")
def qr_site_rotate(site_id: int):
    site = _site(site_id)
    if not site.active:
        flash("码点已停用，不能更换二维码。", "info")
        return redirect(url_for("admin.qr_site", site_id=site.id), 303)
    old = site.rotation
    service.rotate(site)
    audit.qr_site_rotated(site, old)
    db.session.commit()
    return done(
        "已更换二维码：以前印的海报已停止使用，请打印新海报并替换。", "admin.qr_site",
        site_id=site.id,
    )  # fmt: skip


@blp.post("/qr-sites/<int:site_id>/disable")
def qr_site_disable(site_id: int):
    site = _site(site_id)
    was_active = site.active
    service.disable(site)
    audit.qr_site_disabled(site, was_active)
    db.session.commit()
    return done(f"码点“{site.name}”已停用，扫码将提示已停用。", "admin.qr_site", site_id=site.id)


def _file(data: bytes, mimetype: str, filename: str, inline: bool = False) -> Response:
    response = Response(data, mimetype=mimetype)
    how = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{how}; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
