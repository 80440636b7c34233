"""Bulk creation of QR sites from a CSV of places, for a print run: all rows or none."""

import csv
import io
import math
from dataclasses import dataclass, field

from app.accounts.models import User
from app.core.coords import CoordSys
from app.core.errors import DomainError, Invalid
from app.qr_sites.models import QrSite
from app.qr_sites.service import create_site, same_place

MAX_ROWS = 2000
# Header names as people write them, in English or Chinese.
HEADERS = {
    "name": "name", "名称": "name", "地点": "name", "码点名称": "name",
    "kind": "kind", "类型": "kind",
    "lon": "lon", "经度": "lon", "longitude": "lon",
    "lat": "lat", "纬度": "lat", "latitude": "lat",
    "coord_sys": "coord_sys", "坐标系": "coord_sys",
    "area_code": "area_code", "区域代码": "area_code",
}  # fmt: skip
REQUIRED = ("name", "lon", "lat")


@dataclass
class ImportResult:
    created: list[QrSite] = field(default_factory=list)
    existing: list[QrSite] = field(default_factory=list)

    @property
    def sites(self) -> list[QrSite]:
        return sorted(self.created + self.existing, key=lambda s: s.id)


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), else GB18030, which Excel on Chinese Windows writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise _file_error("is neither UTF-8 nor GB18030 text") from error


def _file_error(message: str) -> Invalid:
    return Invalid(f"file: {message}", {"files": {"file": [message]}})


def _number(raw: str, name: str, limit: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise Invalid.field(name, f"must be a number, not {raw!r}") from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise Invalid.field(name, f"must be between {-limit:g} and {limit:g}")
    return value


def import_sites(text: str, actor: User | None = None) -> ImportResult:
    """Create a site per row; rows naming an existing site at the same spot are reused."""
    if "\x00" in text:
        raise _file_error("contains a NUL character; is it really a CSV file?")
    try:
        return _import_rows(csv.DictReader(io.StringIO(text, newline="")), actor)
    except csv.Error as error:
        # e.g. a bare carriage return inside an unquoted field (old Mac line endings).
        raise _file_error(f"is not readable CSV: {error}") from None


def _import_rows(reader: csv.DictReader, actor: User | None) -> ImportResult:
    columns = {raw: HEADERS.get((raw or "").strip().lower()) for raw in reader.fieldnames or []}
    missing = [c for c in REQUIRED if c not in columns.values()]
    if missing:
        raise _file_error(f"the header row needs the columns {', '.join(missing)}")
    result, problems = ImportResult(), []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise _file_error(f"at most {MAX_ROWS} places per file")
        row = {columns[k]: (v or "").strip() for k, v in raw.items() if columns.get(k)}
        if not any(row.values()):
            continue
        try:
            _import_row(row, result, actor)
        except DomainError as error:
            problems.append(f"row {number}: {error.message}")
    if problems:
        message = f"file: {len(problems)} bad rows, nothing imported"
        raise Invalid(message, {"files": {"file": problems}})
    if not result.sites:
        raise _file_error("has no places")
    return result


def _import_row(row: dict[str, str], result: ImportResult, actor: User | None) -> None:
    lon, lat = _number(row.get("lon"), "lon", 180), _number(row.get("lat"), "lat", 90)
    coord_sys = (row.get("coord_sys") or "wgs84").lower()
    if coord_sys not in {c.value for c in CoordSys}:
        raise Invalid.field("coord_sys", "must be wgs84, gcj02 or bd09")
    existing = same_place(row.get("name", ""), lon, lat, coord_sys)
    if existing is not None:
        if existing not in result.created and existing not in result.existing:
            result.existing.append(existing)
        return
    site = create_site(
        row.get("name", ""),
        lon,
        lat,
        kind=row.get("kind"),
        coord_sys=coord_sys,
        area_code=row.get("area_code") or None,
        actor=actor,
    )
    result.created.append(site)
