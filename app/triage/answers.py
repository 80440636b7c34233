"""Risk from the answers a reporter gave to the category's questions (report.attributes).

Kept apart from the text rules: answers are facts the reporter stated, so they only ever
raise the suggested risk, with a reason the cleaner can read.
"""

from typing import Any

from app.triage.rules import RISK_RANK

MANY_PEOPLE = 10  # 群体性: this many people involved makes a matter at least high
LARGE_WAGE_ARREARS = 100_000  # yuan: arrears this large usually mean many workers


def risk_from_answers(attributes: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(level, reason) for every answer that says something about urgency."""
    answers = attributes or {}
    found = []
    if answers.get("danger_now") == "yes":
        found.append(("critical", "问答：现在有人身安全危险"))
    people = answers.get("people_count")
    if isinstance(people, int | float) and people >= MANY_PEOPLE:
        found.append(("high", f"问答：涉及{int(people)}人"))
    amount = answers.get("wage_amount")
    if isinstance(amount, int | float) and amount >= LARGE_WAGE_ARREARS:
        found.append(("high", f"问答：拖欠工资{int(amount)}元"))
    if answers.get("vulnerable"):
        found.append(("medium", "问答：涉及老人、未成年人等需特别关照人员"))
    return found


def raise_risk_by_answers(suggestion, attributes: dict[str, Any] | None) -> None:
    """Lift the suggestion's risk to the highest the answers call for, adding their reasons."""
    found = risk_from_answers(attributes)
    if not found:
        return
    level = max((lvl for lvl, _ in found), key=RISK_RANK.__getitem__)
    if RISK_RANK[level] > RISK_RANK[suggestion.suggested_risk]:
        suggestion.suggested_risk = level
        suggestion.risk_rank = RISK_RANK[level]
    suggestion.risk_reasons = [*(suggestion.risk_reasons or []), *(r for _, r in found)]
