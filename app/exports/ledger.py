"""The ledger (一本账): every case in scope as one row with Chinese headers and values.

Rows stream from the database in batches (`yield_per`: a server-side cursor on PostgreSQL)
into a file, so memory does not grow with the number of cases.
"""

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.areas.models import Area
from app.categories.models import Category
from app.core.clock import in_shanghai, now
from app.core.privacy import mask_phone
from app.extensions import db
from app.lifecycle.states import is_open
from app.mediation.models import CasePart, MediationSession
from app.reports.models import Report
from app.reports.schemas import shows_phones
from app.stats.filters import ReportFilter, report_clauses
from app.stats.labels import (
    CHANNEL_NAMES,
    OUTCOME_NAMES,
    RISK_NAMES,
    SATISFACTION_NAMES,
    STATUS_NAMES,
    label,
    period_label,
)
from app.units.models import Unit

HEADERS = (
    "编号",
    "受理时间",
    "渠道",
    "类别",
    "风险等级",
    "事发地点",
    "所属街道/镇",
    "承办单位",
    "状态",
    "办结时间",
    "处理结果",
    "是否按时",
    "满意度",
    "联系电话",
    "问题描述",
    "调解次数",
    "联合办理",
)
COLUMN_WIDTHS = (16, 17, 12, 14, 9, 36, 14, 22, 9, 17, 10, 9, 9, 14, 60, 9, 16)
BATCH = 1000
TIME_FORMAT = "%Y-%m-%d %H:%M"
# Cells a spreadsheet would run as a formula (CSV injection): public text must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _count(model, report_id, *where):
    """How many rows of `model` the case has (sessions, co-unit parts, summons)."""
    return (
        select(func.count()).select_from(model).where(report_id == Report.id, *where)
    ).scalar_subquery()


def _joint(row) -> str:
    parts = [
        f"协办{row.co_units}家" if row.co_units else "",
        f"吹哨{row.summoned}家" if row.summoned else "",
    ]
    return "，".join(p for p in parts if p)


def ledger_query(user: User, f: ReportFilter) -> Select:
    subdistrict = aliased(Area)
    return (
        select(
            Report.tracking_no,
            Report.created_at,
            Report.channel,
            Report.category_code,
            Category.name.label("category_name"),
            Report.risk_level,
            Report.area_path,
            func.ST_X(Report.location).label("lon"),
            func.ST_Y(Report.location).label("lat"),
            subdistrict.name.label("subdistrict_name"),
            Report.subdistrict_code,
            Unit.name.label("unit_name"),
            Report.unit_code,
            Report.status,
            Report.resolved_at,
            Report.outcome,
            Report.due_at,
            Report.satisfaction,
            Report.reporter_phone,
            Report.description,
            _count(MediationSession, MediationSession.report_id).label("sessions"),
            _count(CasePart, CasePart.report_id, CasePart.kind == "co_unit").label("co_units"),
            _count(CasePart, CasePart.report_id, CasePart.kind == "summons").label("summoned"),
        )
        .outerjoin(Category, Category.code == Report.category_code)
        .outerjoin(subdistrict, subdistrict.code == Report.subdistrict_code)
        .outerjoin(Unit, Unit.code == Report.unit_code)
        .where(*report_clauses(user, f))
        .order_by(Report.id)
    )


def _local(moment: datetime | None) -> datetime | None:
    """Shanghai wall-clock time without an offset: what a spreadsheet cell can hold."""
    return None if moment is None else in_shanghai(moment).replace(tzinfo=None)


def _place(row, area_names: dict[str, str]) -> str:
    codes = (row.area_path or "").strip("/").split("/")
    # Below the district: every case in a ledger shares the district anyway.
    chain = "".join(area_names.get(c, c) for c in codes[1:] if c) if row.area_path else ""
    if row.lon is None:
        return chain or "未定位"
    where = chain or "区域外"
    return f"{where}（{row.lon:.5f}, {row.lat:.5f}）"


def _on_time(row, moment: datetime) -> str:
    if row.resolved_at is not None:
        if row.due_at is None:
            return "无时限"
        return "是" if row.resolved_at <= row.due_at else "否"
    if not is_open(row.status) or row.due_at is None:
        return ""  # only an open case has a clock running
    return "已超期" if moment > row.due_at else "未到期"


def ledger_rows(user: User, f: ReportFilter) -> Iterator[tuple]:
    """The rows, in the order of HEADERS, read from the database a batch at a time."""
    area_names = dict(db.session.execute(select(Area.code, Area.name)).all())
    reveal = shows_phones(user)
    moment = now()
    result = db.session.execute(ledger_query(user, f).execution_options(yield_per=BATCH))
    for row in result:
        yield (
            row.tracking_no,
            _local(row.created_at),
            label(CHANNEL_NAMES, row.channel),
            row.category_name or row.category_code or "未分类",
            label(RISK_NAMES, row.risk_level, "未分级"),
            _place(row, area_names),
            row.subdistrict_name or row.subdistrict_code or "",
            row.unit_name or row.unit_code or "",
            label(STATUS_NAMES, row.status),
            _local(row.resolved_at),
            label(OUTCOME_NAMES, row.outcome),
            _on_time(row, moment),
            label(SATISFACTION_NAMES, row.satisfaction),
            (row.reporter_phone if reveal else mask_phone(row.reporter_phone)) or "",
            row.description,
            row.sessions,
            _joint(row),
        )


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    value = _text(str(value))
    return "'" + value if value.startswith(FORMULA_START) else value


def write_csv(rows: Iterator[tuple], out: BinaryIO) -> int:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese correctly. Returns the row count."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        count += 1
    text.flush()
    text.detach()
    return count


def write_xlsx(rows: Iterator[tuple], out: BinaryIO, notes: list[tuple[str, str]]) -> int:
    """openpyxl write-only: rows go to a temporary file as they come. Returns the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.freeze_panes = "A2"
    for index, width in enumerate(COLUMN_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        count += 1
    about = workbook.create_sheet("说明")
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 60
    for key, value in [*notes, ("行数", str(count))]:
        about.append([key, _text(value)])
    workbook.save(out)
    return count


def _xlsx_cell(sheet, value):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, str):
        value = _text(value)
        if value.startswith("="):
            # openpyxl would store it as a formula; a resident's text is never one.
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            return cell
    return value


def _notes(user: User, f: ReportFilter) -> list[tuple[str, str]]:
    return [
        ("导出时间", f"{in_shanghai(now()):%Y-%m-%d %H:%M}（北京时间）"),
        ("导出人", f"{user.display_name}（{user.username}）"),
        ("受理时段", period_label(f.since, f.until)),
        ("区域", f.area_code or "全部"),
        ("状态", "、".join(label(STATUS_NAMES, s) for s in f.statuses) or "全部"),
        ("类别", f.category_code or "全部"),
        ("渠道", label(CHANNEL_NAMES, f.channel) or "全部"),
        ("联系电话", "完整" if shows_phones(user) else "已脱敏"),
    ]


MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class LedgerFile:
    file: BinaryIO
    mimetype: str
    name: str
    rows: int


def ledger_file(user: User, f: ReportFilter, kind: str) -> LedgerFile:
    """The ledger written to an anonymous temporary file, rewound, ready to send."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the response that sends it)
    rows = ledger_rows(user, f)
    count = write_csv(rows, out) if kind == "csv" else write_xlsx(rows, out, _notes(user, f))
    out.seek(0)
    name = f"解纷台账-{in_shanghai(now()):%Y%m%d-%H%M}.{kind}"
    return LedgerFile(out, MIMETYPES[kind], name, count)
