"""/console/admin/deadlines: deadline policies per category and risk level in one table (保存),
and the working-day calendar of a year — public holidays and 调休 make-up days from
chinese-calendar, the admins' own entries over them, each day editable, a year importable.

Changes apply to deadlines set afterwards (as the JSON API's do)."""

import contextlib

from flask import Response, request
from sqlalchemy import select

from app.admin_console.choices import category_label_map, category_options
from app.admin_console.shell import blp, done, page
from app.audit import record_change
from app.audit.setup_subjects import policy_fields
from app.console.labels import RISK_NAMES
from app.core.clock import in_shanghai, now
from app.core.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.reports.models import RISK_LEVELS
from app.workflow import policies
from app.workflow.deadlines import deadlines_from, limits_for
from app.workflow.models import TIME_UNITS, CalendarDay, DeadlinePolicy
from app.workflow.policies import YEARS
from app.workflow.yearview import KNOWN_YEARS, import_days, parse_import, year_view

UNIT_NAMES = {"hours": "小时", "working_days": "工作日"}
assert set(UNIT_NAMES) == set(TIME_UNITS)
NUMBER_FIELDS = ("accept_within", "resolve_within")
UNIT_FIELDS = ("accept_unit", "resolve_unit")
DAY_KIND_NAMES = {
    "holiday": "休息日（放假）",
    "workday": "工作日（调休上班）",
    "default": "恢复国家安排",
}
RISK_ORDER = {level: i for i, level in enumerate(reversed(RISK_LEVELS))}  # critical first


def _label(policy_category: str | None, risk: str, categories: dict[str, str]) -> str:
    what = (
        categories.get(policy_category, policy_category) if policy_category else "全部类别（默认）"
    )
    return f"{what} · {RISK_NAMES.get(risk, risk)}"


def _sorted_policies() -> list[DeadlinePolicy]:
    found = policies.list_policies()
    found.sort(
        key=lambda p: (p.category_code is not None, p.category_code or "", RISK_ORDER[p.risk_level])
    )
    return found


def _read_row(form, prefix: str) -> tuple[dict, dict[str, str]]:
    values, errors = {}, {}
    for name in NUMBER_FIELDS:
        raw = (form.get(f"{prefix}-{name}") or "").strip()
        try:
            number = int(raw)
            if not 1 <= number <= 720:
                raise ValueError
            values[name] = number
        except ValueError:
            errors[name] = "请填写 1 到 720 之间的整数"
    for name in UNIT_FIELDS:
        unit = form.get(f"{prefix}-{name}")
        if unit not in TIME_UNITS:
            errors[name] = "请选择小时或工作日"
        values[name] = unit
    return values, errors


def _example(policy_category: str | None, risk: str, start) -> str:
    """When a case dispatched now would be due, under the policies and calendar as they are."""
    due = deadlines_from(start, limits_for(policy_category, risk)).due_at
    return f"{in_shanghai(due):%m-%d %H:%M}"


def _page(
    status: int = 200,
    row_errors=None,
    rows=None,
    new=None,
    year=None,
    day_form=None,
    day_errors=None,
    import_text="",
    import_problems=None,
) -> Response:
    categories = category_label_map()
    year = year or in_shanghai(now()).year
    start = now()
    found = _sorted_policies()
    return page(
        "admin/deadlines.html",
        status=status,
        policies=found,
        labels={p.id: _label(p.category_code, p.risk_level, categories) for p in found},
        examples={p.id: _example(p.category_code, p.risk_level, start) for p in found},
        rows=rows or {},
        row_errors=row_errors or {},
        new=new or {},
        unit_names=UNIT_NAMES,
        risk_choices=[(level, RISK_NAMES[level]) for level in reversed(RISK_LEVELS)],
        category_choices=category_options(),
        view=year_view(year),
        years=[y for y in range(year - 2, year + 3) if y in YEARS],
        known_years=KNOWN_YEARS,
        day_form=day_form or {},
        day_errors=day_errors or {},
        day_kind_names=DAY_KIND_NAMES,
        import_text=import_text,
        import_problems=import_problems or [],
    )


def _year_arg() -> int | None:
    year = request.args.get("year", type=int)
    return year if year in YEARS else None


@blp.get("/deadlines")
def deadlines():
    day_form = {}
    chosen = request.args.get("day")
    if chosen:
        try:
            day = policies.parse_day(chosen)
        except Invalid:
            day = None
        if day is not None:
            entry = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
            day_form = {
                "day": day.isoformat(),
                "kind": entry.kind if entry else "default",
                "name": entry.name if entry else "",
            }
    return _page(year=_year_arg(), day_form=day_form)


@blp.post("/deadlines")
def deadlines_save():
    """保存: every row of the table at once; one refusal and nothing is saved."""
    form = request.form
    categories = category_label_map()
    rows, row_errors, changes = {}, {}, []
    for policy in _sorted_policies():
        prefix = f"p{policy.id}"
        if not any(f"{prefix}-{k}" in form for k in (*NUMBER_FIELDS, *UNIT_FIELDS)):
            continue  # added since the page was loaded (by another admin): left as it is
        values, errors = _read_row(form, prefix)
        rows[policy.id] = {k: form.get(f"{prefix}-{k}", "") for k in (*NUMBER_FIELDS, *UNIT_FIELDS)}
        if errors:
            row_errors[policy.id] = errors
            continue
        before = policy_fields(policy)
        if form.get(f"{prefix}-delete") == "on":
            changes.append(("delete", policy, before))
        elif any(getattr(policy, k) != v for k, v in values.items()):
            changes.append(("update", policy, {**values, "before": before}))
    new = {
        k: form.get(f"new-{k}", "")
        for k in ("category_code", "risk_level", *NUMBER_FIELDS, *UNIT_FIELDS)
    }
    if new["risk_level"]:
        values, errors = _read_row(form, "new")
        if new["risk_level"] not in RISK_LEVELS:
            errors["risk_level"] = "请选择风险等级"
        if errors:
            row_errors["new"] = errors
        else:
            changes.append(
                (
                    "create",
                    None,
                    {
                        **values,
                        "category_code": new["category_code"] or None,
                        "risk_level": new["risk_level"],
                    },
                )
            )
    if row_errors:
        return _page(422, row_errors, rows, new)
    count = 0
    try:
        for action, policy, data in changes:
            if action == "delete":
                label = _label(policy.category_code, policy.risk_level, categories)
                policies.delete_policy(policy.id)
                record_change(
                    "deadline.update",
                    "deadline",
                    policy.id,
                    label,
                    before=data,
                    summary=f"删除时限：{label}",
                )
            elif action == "update":
                before = data.pop("before")
                values = {
                    "category_code": policy.category_code,
                    "risk_level": policy.risk_level,
                    "note": policy.note,
                    **data,
                }
                policies.update_policy(policy.id, values)
                label = _label(policy.category_code, policy.risk_level, categories)
                record_change(
                    "deadline.update",
                    "deadline",
                    policy.id,
                    label,
                    before=before,
                    after=policy_fields(policy),
                )
            else:
                created = policies.create_policy({**data, "note": ""})
                label = _label(created.category_code, created.risk_level, categories)
                record_change(
                    "deadline.update",
                    "deadline",
                    created.id,
                    label,
                    after=policy_fields(created),
                    summary=f"新增时限：{label}",
                )
            count += 1
    except (Invalid, Conflict) as error:
        db.session.rollback()
        message = (
            "这个类别和风险等级已有时限，请直接修改那一行"
            if isinstance(error, Conflict)
            else "请检查类别"
        )
        return _page(422, {"new": {"risk_level": message}}, rows, new)
    db.session.commit()
    if not count:
        return done("时限没有变化。", "admin.deadlines")
    return done(f"已保存 {count} 处时限修改；此后派出的案件按新时限计算。", "admin.deadlines")


@blp.post("/deadlines/day")
def deadlines_day():
    """One day of the calendar: a rest day, a worked day (调休), or back to the national one."""
    form = request.form
    day_form = {k: form.get(k, "") for k in ("day", "kind", "name")}
    errors = {}
    try:
        day = policies.parse_day(day_form["day"])
    except Invalid:
        errors["day"] = f"请填写 {YEARS.start}–{YEARS.stop - 1} 年间的日期，如 2027-01-01"
        day = None
    if day_form["kind"] not in DAY_KIND_NAMES:
        errors["kind"] = "请选择这一天的安排"
    if len(day_form["name"]) > 40:
        errors["name"] = "名称最多 40 个字"
    if errors:
        year = day.year if day else _year_arg()
        return _page(422, year=year, day_form=day_form, day_errors=errors)
    entry = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    before = {"kind": entry.kind, "name": entry.name} if entry else {"kind": "default"}
    if day_form["kind"] == "default":
        with contextlib.suppress(NotFound):  # no entry: already the national arrangement
            policies.delete_calendar_day(day)
        after = {"kind": "default"}
    else:
        policies.set_calendar_day(day, day_form["kind"], day_form["name"].strip())
        after = {"kind": day_form["kind"], "name": day_form["name"].strip()}
    record_change(
        "calendar.update", "calendar", day.isoformat(), day.isoformat(), before=before, after=after
    )
    db.session.commit()
    return done(
        f"已保存 {day.isoformat()}：{DAY_KIND_NAMES[day_form['kind']]}。",
        "admin.deadlines",
        year=day.year,
    )


@blp.post("/deadlines/import")
def deadlines_import():
    """导入: a year's holidays and make-up days, pasted or as a file; all lines or none."""
    text = request.form.get("lines", "")
    upload = request.files.get("file")
    if upload and upload.filename:
        raw = upload.read(64 * 1024 + 1)
        if len(raw) > 64 * 1024:
            return _page(422, import_problems=[(0, "", "文件太大（最多 64 KB）")], year=_year_arg())
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _page(
                422, import_problems=[(0, "", "文件须为 UTF-8 编码的文本（CSV）")], year=_year_arg()
            )
    entries, problems = parse_import(text)
    if problems:
        shown = [(p.number, p.text, p.problem) for p in problems]
        return _page(422, import_text=text, import_problems=shown, year=_year_arg())
    count = import_days(entries)
    years = sorted({day.year for day, _, _ in entries})
    record_change(
        "calendar.import",
        "calendar",
        ",".join(str(y) for y in years),
        f"{'、'.join(str(y) for y in years)} 年工作日历",
        summary=f"导入 {count} 天（休 {sum(1 for e in entries if e[1] == 'holiday')}，"
        f"班 {sum(1 for e in entries if e[1] == 'workday')}）",
    )
    db.session.commit()
    return done(f"已导入 {count} 天的安排。", "admin.deadlines", year=years[0])
