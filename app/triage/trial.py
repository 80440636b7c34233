"""试一试: a text against the rules as they would be with a draft rule, before saving it.

Nothing is stored: the active rules are read, the draft (a new rule, or an edit of one)
takes its place among them, and the very code pre-sorting runs answers — which rules fire
and why, the suggested category (categorise.suggest: an admin's rule that fires wins, else
the learnt model with the seeded keywords voting) and the risk level (RuleSet.risk).
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.triage.categorise import suggest
from app.triage.models import TriageRule
from app.triage.numbers import quantities
from app.triage.rules import RuleSet, check_rule, matches, rule_text

MAX_TEXT = 2000


@dataclass
class Fired:
    rule: Any  # a TriageRule; the draft is not in the session (id None when new)
    reason: str
    draft: bool = False


@dataclass
class Trial:
    text: str
    fired: list[Fired] = field(default_factory=list)
    category_code: str | None = None
    category_reasons: list[str] = field(default_factory=list)
    risk: str = "low"
    risk_reasons: list[str] = field(default_factory=list)


def draft_rule(values: dict[str, Any], rule_id: int | None = None) -> TriageRule:
    """A rule built from a form's values and checked as saving would check it (Invalid names
    the field), but kept out of the session."""
    draft = TriageRule(
        kind=values.get("kind"),
        match=values.get("match") or "keyword",
        pattern=values.get("pattern") or "",
        target=values.get("target") or "",
        weight=1.0 if values.get("weight") is None else values["weight"],
        active=True if values.get("active") is None else values["active"],
    )
    draft.id = rule_id
    check_rule(draft)
    return draft


def try_text(text: str, draft: TriageRule | None = None) -> Trial:
    """Which rules fire on `text` and what pre-sorting would suggest, with `draft` in force."""
    text = (text or "")[:MAX_TEXT]
    rules = list(
        db.session.scalars(
            select(TriageRule).where(TriageRule.active.is_(True)).order_by(TriageRule.id)
        )
    )
    if draft is not None:
        rules = [r for r in rules if draft.id is None or r.id != draft.id]
        if draft.active:
            rules.append(draft)
    ruleset = RuleSet(
        [r for r in rules if r.kind == "category"], [r for r in rules if r.kind == "risk"]
    )
    normalised, counted = rule_text(text), quantities(text)
    trial = Trial(text=text)
    for rule in rules:
        found = matches(rule, normalised, counted)
        if found:
            trial.fired.append(Fired(rule, found.reason, rule is draft))
    trial.category_code, trial.category_reasons = suggest(ruleset, text)
    trial.risk, trial.risk_reasons = ruleset.risk(text)
    return trial
