"""The questions (GeoReport "attributes") each service asks, and checking a client's answers.

Defined here in code, not in a table: they feed the risk suggestion (app.triage.answers), so a
question changes with the code that reads its answer. Every category asks the common ones;
wage arrears also asks the amount.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from app.core.errors import Invalid

YES_NO = (("yes", "是"), ("no", "否"))
VULNERABLE = (
    ("elderly", "老年人"),
    ("minor", "未成年人"),
    ("disabled", "残疾人"),
    ("pregnant", "孕妇"),
)
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
MAX_STRING, MAX_TEXT, MAX_NUMBER = 200, 2000, 1e12
WAGE_CATEGORIES = frozenset({"labour_wages", "labour_wages.unpaid_wages"})


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: str
    order: int
    required: bool = False
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # False: shown to the user as information only, nothing to answer (GeoReport's `variable`).
    variable: bool = True

    def as_dict(self) -> dict:
        return {
            "variable": self.variable,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": self.order,
            "description": self.description,
            "values": [{"key": key, "name": name} for key, name in self.values],
        }


COMMON = (
    Attribute(
        "danger_now", "singlevaluelist", "现在是否有人身安全危险？", 1, required=True,
        datatype_description="有人受伤、有人扬言伤人或自伤、有人被困等，选“是”", values=YES_NO,
    ),
    Attribute(
        "people_count", "number", "涉及多少人？", 2,
        datatype_description="整数，例如 3；人数多的纠纷会优先处理",
    ),
    Attribute(
        "vulnerable", "multivaluelist", "涉及以下哪些人员？（可多选）", 4, values=VULNERABLE,
    ),
    Attribute(
        "occurred_at", "datetime", "事情发生的时间", 5,
        datatype_description="ISO 8601 时间，含时区，例如 2026-03-02T09:00:00+08:00",
    ),
    Attribute(
        "publish", "singlevaluelist", "是否同意公开本事项（不含姓名、电话等个人信息）？", 9,
        datatype_description="选“否”，本事项不会出现在公开查询中；不填视为同意", values=YES_NO,
    ),
)  # fmt: skip
WAGE_AMOUNT = Attribute(
    "wage_amount", "number", "拖欠工资金额（元）", 3,
    datatype_description="人民币元，例如 12000", required=False,
)  # fmt: skip


def attributes_for(category_code: str) -> tuple[Attribute, ...]:
    extra = (WAGE_AMOUNT,) if category_code in WAGE_CATEGORIES else ()
    return tuple(sorted(COMMON + extra, key=lambda a: a.order))


def _invalid(code: str, message: str) -> Invalid:
    return Invalid.field(f"attribute[{code}]", message, "form")


def _number(attribute: Attribute, raw: str) -> int | float:
    try:
        value = float(raw)
    except ValueError as error:
        raise _invalid(attribute.code, "must be a number") from error
    if not math.isfinite(value) or value < 0 or value > MAX_NUMBER:
        raise _invalid(attribute.code, "must be a number from 0 up")
    return int(value) if value.is_integer() else value


def _datetime(attribute: Attribute, raw: str) -> str:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise _invalid(attribute.code, "must be an ISO 8601 time with an offset") from error
    if moment.tzinfo is None:
        raise _invalid(attribute.code, "must be an ISO 8601 time with an offset")
    return moment.isoformat()


def _one(attribute: Attribute, raw: str) -> object:
    if attribute.datatype == "number":
        return _number(attribute, raw)
    if attribute.datatype == "datetime":
        return _datetime(attribute, raw)
    if attribute.datatype == "singlevaluelist":
        if raw not in dict(attribute.values):
            keys = ", ".join(key for key, _ in attribute.values)
            raise _invalid(attribute.code, f"must be one of {keys}")
        return raw
    limit = MAX_TEXT if attribute.datatype == "text" else MAX_STRING
    if len(raw) > limit:
        raise _invalid(attribute.code, f"must be at most {limit} characters")
    return raw


def check_answers(category_code: str, answers: dict[str, list[str]]) -> dict[str, object]:
    """The client's answers, checked against the service's definition and typed.

    `answers` maps each attribute code to the values sent (several for a multivaluelist).
    """
    known = {a.code: a for a in attributes_for(category_code)}
    for code in answers:
        if code not in known:
            raise _invalid(code, "is not a question of this service")
    checked: dict[str, object] = {}
    for code, attribute in known.items():
        values = [v.strip() for v in answers.get(code, []) if v.strip()]
        if not values:
            if attribute.required:
                raise _invalid(code, "is required")
            continue
        if attribute.datatype == "multivaluelist":
            allowed = dict(attribute.values)
            wrong = [v for v in values if v not in allowed]
            if wrong:
                keys = ", ".join(key for key, _ in attribute.values)
                raise _invalid(code, f"must be among {keys}")
            checked[code] = sorted(set(values), key=list(allowed).index)
        elif len(values) > 1:
            raise _invalid(code, "takes one value")
        else:
            checked[code] = _one(attribute, values[0])
    return checked
