"""风险分级 as a handling suggestion for the cleaner: 一般 to one unit, 较大 to joint handling
(a lead unit with co-units), 重大 and above straight to the district tier. Only a suggestion:
the cleaner decides at dispatch (`co_unit_codes`, or the district unit)."""

HANDLING = {
    "low": ("single", "一般风险：交属地单位办理"),
    "medium": ("joint", "较大风险：建议联调联处，主办单位牵头，相关部门协办"),
    "high": ("district", "重大风险：建议直接交区级统筹办理"),
    "critical": ("district", "紧急风险：建议直接交区级统筹办理"),
}


def handling_for(risk_level: str | None) -> dict:
    mode, reason = HANDLING.get(risk_level or "", HANDLING["low"])
    return {"mode": mode, "reason": reason}
