"""The rule scan asks only the rules that can fire (a keyword whose first character the text
has; every regex and number rule), yet fires exactly the rules, in the order and with the
reasons, that asking every rule gave: an admin's rule still wins, an urgent keyword still
lifts a report."""

from app.triage.categorise import suggest
from app.triage.numbers import quantities
from app.triage.rules import RuleScan, RuleSet, create_rule, matches, rule_text
from tests.triage.evalset import load

EDGES = [
    "",
    "！！！",
    "ＫＴＶ包房太吵，楼上楼下都听得见",  # full width folds to what keywords see
    "漏",  # a keyword's first character alone
    "他喝醉了拿刀说要同归于尽，楼道里有人受伤流血",
    "三十多户、12人讨薪，欠款15万元",
    "煤气泄漏了，燃气泄漏的味道",
]


def every_rule(rules, text):
    """What the scan replaces: each rule asked in turn."""
    normalised, counted = rule_text(text), quantities(text)
    found = (matches(rule, normalised, counted) for rule in rules)
    return [(m.rule, m.reason) for m in found if m is not None]


def scanned(rules, text):
    fired = RuleScan(rules).fired(rule_text(text), quantities(text))
    return [(m.rule, m.reason) for m in fired]


def test_the_scan_fires_what_every_rule_asked_fired_in_their_order(app):
    create_rule(kind="category", match="regex", pattern=r"ktv|卡拉ok", target="neighbour.noise")
    create_rule(kind="risk", match="regex", pattern=r"\d+户", target="high")
    rules = RuleSet.load()
    texts = EDGES + [item.description for item in load()[:400]]
    fired = 0
    for text in texts:
        for kept in (rules.category_rules, rules.risk_rules):
            expected = every_rule(kept, text)
            assert scanned(kept, text) == expected, text
            fired += len(expected)
    assert fired > len(texts)  # the texts did fire rules, of both kinds


def test_an_admins_rule_still_wins_and_an_urgent_keyword_still_lifts(app):
    text = "楼上卫生间漏水，天花板渗水，他说不想活了"
    assert suggest(RuleSet.load(), text)[0] == "neighbour.water_leak"
    assert RuleSet.load().risk(text)[0] == "critical"
    create_rule(kind="category", match="keyword", pattern="天花板", target="damages")
    assert suggest(RuleSet.load(), text) == ("damages", ["规则：「天花板」"])
    create_rule(kind="risk", match="keyword", pattern="卫生间", target="high")
    level, reasons = RuleSet.load().risk(text)
    assert level == "critical" and reasons[0] == "「不想活」→紧急" and "「卫生间」→重大" in reasons
