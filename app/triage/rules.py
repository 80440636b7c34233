"""The editable rules: matching them against a report's text, and the admin's changes."""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import re2
from flask import current_app
from sqlalchemy import select

from app.categories.service import active_category
from app.core import versions
from app.core.errors import Invalid
from app.core.lookup import get_or_404
from app.core.version_sql import RULES
from app.extensions import db
from app.reports.models import RISK_LEVELS
from app.stats.labels import RISK_NAMES
from app.triage.models import NUMERIC_MATCHES, RULE_KINDS, RULE_MATCHES, TriageRule
from app.triage.numbers import Quantities, quantities

CACHE_KEY = "jiefen.triage_rules"
RISK_RANK = {level: rank for rank, level in enumerate(RISK_LEVELS, start=1)}


def rule_text(text: str) -> str:
    """What rules see: full-width folded, lower case (so 'ＫＴＶ' matches 'ktv')."""
    return unicodedata.normalize("NFKC", text or "").lower()


@lru_cache(maxsize=4096)
def keyword_text(pattern: str) -> str:
    """A keyword as rules compare it; kept, since every report is matched against every rule."""
    return rule_text(pattern)


@lru_cache(maxsize=16)
def rule_reading(text: str) -> tuple[str, Quantities]:
    """A text as rules read it (`rule_text`, its quantities). Kept for the last few texts:
    one report's is read by the admins' category rules, the seeded ones and the risk rules
    in turn, ~0.03 ms each time. Both parts are immutable, so sharing them is safe."""
    return rule_text(text), quantities(text)


# Rules are typed by admins and run on every anonymous report: RE2 matches in time linear in
# the text, so no pattern (say `(a+)+$`) can backtrack a worker to death. It refuses what it
# cannot run that way (backreferences, lookaround) when the rule is saved.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is the admin's 422, not a line on stderr
_RE2_OPTIONS.max_mem = 8 << 20  # bounds a compiled rule too (e.g. huge counted repeats)


class PatternRefused(ValueError):
    """RE2 cannot run this pattern; the message names the construct."""


@lru_cache(maxsize=1024)
def compile_regex(pattern: str):
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternRefused(str(reason)) from None


@dataclass(frozen=True)
class Match:
    rule: Any  # a TriageRule or a row with its columns
    reason: str


def matches(rule: Any, text: str, counted: Quantities) -> Match | None:
    """Whether one rule fires on the (normalised) text, and why, in words a cleaner reads."""
    if rule.match == "keyword":
        word = keyword_text(rule.pattern)
        return Match(rule, f"「{rule.pattern}」") if word and word in text else None
    if rule.match == "regex":
        # A stored pattern RE2 refuses (saved past the API's check) raises PatternRefused:
        # pre-sorting then fails safe as for any broken rule, and the report is kept.
        found = compile_regex(rule.pattern).search(text)
        return Match(rule, f"「{found.group(0)}」") if found and found.group(0) else None
    threshold = float(rule.pattern)
    if rule.match == "people_at_least" and counted.people >= threshold:
        return Match(rule, f"涉及约{counted.people}人（户）")
    if rule.match == "amount_at_least" and counted.amount_yuan >= threshold:
        return Match(rule, f"涉及金额约{counted.amount_yuan:,.0f}元")
    return None


class RuleScan:
    """Which of a list of rules fire on a text, in the list's order, with `matches`' reasons.

    Every report is matched against a few hundred rules, nearly all keywords, of which a
    handful fire: a call of `matches` for each cost ~4% of intake's CPU. A keyword can only
    be in a text that has its first character, so the keywords are indexed by that once per
    list (a RuleSet is kept per process until the rules change) and only those whose first
    character the text has, and that are in the text, are asked; regex and number rules are
    always asked. `matches` stays the one place that says whether a rule fires: the keyword
    test here only spares asking the dozen of each scan that cannot (issue 19)."""

    def __init__(self, rules: Sequence[Any]) -> None:
        self.rules = list(rules)
        self.by_first: dict[str, list[tuple[int, str]]] = {}
        self.always: list[int] = []
        for at, rule in enumerate(self.rules):
            if rule.match != "keyword":
                self.always.append(at)
            elif word := keyword_text(rule.pattern):
                self.by_first.setdefault(word[0], []).append((at, word))
            # an empty keyword never fires

    def fired(self, text: str, counted: Quantities) -> list[Match]:
        asked = list(self.always)
        for first in self.by_first.keys() & set(text):
            asked += [at for at, word in self.by_first[first] if word in text]
        asked.sort()
        found = (matches(self.rules[at], text, counted) for at in asked)
        return [match for match in found if match is not None]


@dataclass
class RuleSet:
    category_rules: Sequence[Any]
    risk_rules: Sequence[Any]

    # Built on first use: a RuleSet's lists are not changed once it is made (a new set is
    # loaded when the rules change), so neither are these.
    @cached_property
    def category_scan(self) -> RuleScan:
        return RuleScan(self.category_rules)

    @cached_property
    def risk_scan(self) -> RuleScan:
        return RuleScan(self.risk_rules)

    @classmethod
    def load(cls) -> "RuleSet":
        """The active rules, reloaded only when the table changed.

        This runs for every report that arrives; reading and building a few hundred rule rows
        cost more than the rest of pre-sorting, so each process keeps the last set under the
        rules' change version (triggers move it with every write to the table, in the
        writer's transaction; app/core/version_sql.py), read once per transaction with the
        other versions. No row (a table emptied by hand) is never trusted.
        """
        version = versions.current(RULES, db.session.connection())
        cache = current_app.extensions.setdefault(CACHE_KEY, {})
        if version is None or cache.get("version") != version:
            cache["rules"], cache["version"] = cls._read(), version
        return cache["rules"]

    @classmethod
    def _read(cls) -> "RuleSet":
        # Plain rows, not entities: they are kept between requests.
        columns = (TriageRule.kind, TriageRule.match, TriageRule.pattern, TriageRule.target)
        rules = db.session.execute(
            select(*columns, TriageRule.weight)
            .where(TriageRule.active.is_(True))
            .order_by(TriageRule.id)
        ).all()
        return cls(
            [r for r in rules if r.kind == "category"], [r for r in rules if r.kind == "risk"]
        )

    @staticmethod
    def forget() -> None:
        """Drop this process's copy (edits need not: they move the version)."""
        current_app.extensions.pop(CACHE_KEY, None)

    def category(self, description: str) -> tuple[str | None, list[str]]:
        """The category whose matching rules weigh most; ties go to the earlier rule."""
        text, counted = rule_reading(description)
        scores: dict[str, float] = {}
        reasons: dict[str, list[str]] = {}
        for found in self.category_scan.fired(text, counted):
            rule = found.rule
            scores[rule.target] = scores.get(rule.target, 0.0) + rule.weight
            reasons.setdefault(rule.target, []).append(found.reason)
        positive = [code for code, score in scores.items() if score > 0]
        if not positive:
            return None, []
        best = max(positive, key=lambda code: scores[code])
        return best, reasons[best]

    def risk(self, description: str) -> tuple[str, list[str]]:
        """The highest level any matching rule names (low when none), with every reason."""
        text, counted = rule_reading(description)
        strongest: dict[str, str] = {}  # reason → the highest level it was matched for
        for found in self.risk_scan.fired(text, counted):
            rule = found.rule
            if rule.weight > 0:
                before = strongest.get(found.reason)
                if before is None or RISK_RANK[rule.target] > RISK_RANK[before]:
                    strongest[found.reason] = rule.target
        if not strongest:
            return "low", []
        level = max(strongest.values(), key=RISK_RANK.__getitem__)
        ranked = sorted(strongest.items(), key=lambda item: -RISK_RANK[item[1]])
        return level, [f"{reason}→{RISK_NAMES[target]}" for reason, target in ranked]


RULE_FIELDS = ("kind", "match", "pattern", "target", "weight", "active")


def check_rule(rule: TriageRule) -> None:
    """Everything a rule must be before it is saved (or tried); Invalid names the field."""
    if rule.kind not in RULE_KINDS:
        raise Invalid.field("kind", f"must be one of {', '.join(RULE_KINDS)}")
    if rule.match not in RULE_MATCHES:
        raise Invalid.field("match", f"must be one of {', '.join(RULE_MATCHES)}")
    pattern = (rule.pattern or "").strip()
    if not pattern:
        raise Invalid.field("pattern", "must not be empty")
    rule.pattern = pattern
    if rule.match == "regex":
        try:
            compiled = compile_regex(pattern)
        except PatternRefused as error:
            raise Invalid.field(
                "pattern",
                f"cannot be used: {error} (rules run on RE2, which has no backreferences "
                "or lookaround, so that no pattern can stall intake)",
            ) from None
        if compiled.search(""):
            raise Invalid.field("pattern", "matches empty text, so it would match every report")
    if rule.match in NUMERIC_MATCHES:
        if rule.kind != "risk":
            raise Invalid.field("match", f"{rule.match} rules can only set a risk level")
        try:
            number = float(pattern)
        except ValueError:
            number = -1.0
        if not 0 < number < 1e15:
            raise Invalid.field("pattern", f"{rule.match} needs a positive number, e.g. 10")
    if rule.kind == "risk" and rule.target not in RISK_LEVELS:
        raise Invalid.field("target", f"a risk rule's target is one of {', '.join(RISK_LEVELS)}")
    if rule.kind == "category":
        active_category(rule.target, "target")


def create_rule(**fields: Any) -> TriageRule:
    rule = TriageRule(**{k: v for k, v in fields.items() if k in RULE_FIELDS})
    rule.match = rule.match or "keyword"
    rule.weight = 1.0 if rule.weight is None else rule.weight
    rule.active = True if rule.active is None else rule.active
    check_rule(rule)
    db.session.add(rule)
    db.session.flush()
    return rule


def get_rule(rule_id: int) -> TriageRule:
    return get_or_404(TriageRule, rule_id, "triage rule")


def update_rule(rule_id: int, **fields: Any) -> TriageRule:
    rule = get_rule(rule_id)
    for name in RULE_FIELDS:
        if name in fields:
            setattr(rule, name, fields[name])
    check_rule(rule)
    db.session.flush()
    return rule


def delete_rule(rule_id: int) -> None:
    db.session.delete(get_rule(rule_id))
    db.session.flush()
