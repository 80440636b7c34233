"""Reading reports for meaning: synonyms folded, place names muted, reasons in Chinese; the
category model and the admins' rules; candidates and their reasons in the queue API."""

import unicodedata
from datetime import timedelta
from types import SimpleNamespace

from app.core.clock import frozen_at
from app.triage.categorise import suggest
from app.triage.duplicates import Side, reasons, score
from app.triage.meaning import (
    _WORDY,
    from_stored,
    shared_words,
    similarity,
    stored,
    terms,
    tokenizer,
)
from app.triage.rules import RuleSet
from app.triage.seed import seeded_rules
from tests.triage.evalset import load
from tests.triage.test_suggestions import T0

LEAK = "阳光花园3栋楼上卫生间漏水，我家天花板全湿了"


def seeded() -> RuleSet:
    rows = [SimpleNamespace(**row) for row in seeded_rules()]
    return RuleSet([r for r in rows if r.kind == "category"], [r for r in rows if r.kind == "risk"])


def test_synonyms_count_as_one_word_and_are_shown_as_matched():
    paraphrase = "楼上渗水，墙皮都泡掉了"
    assert similarity(terms(LEAK), terms(paraphrase)) > similarity(
        terms(LEAK), terms("楼上广场舞音响太响")
    )
    assert "渗水≈漏水" in shared_words(terms(LEAK), terms(paraphrase))


def test_the_place_name_alone_does_not_make_two_reports_alike():
    fumes = "阳光花园3栋2单元楼下烧烤店油烟太大"
    same_place = similarity(terms(LEAK), terms(fumes))
    assert same_place < 0.15
    assert "阳光花园3栋" not in shared_words(terms(LEAK), terms(fumes))
    # Take the place out of both and the words about the matter still match.
    assert similarity(terms(LEAK), terms("滨江苑楼上卫生间漏水")) > 0.6


def test_a_stored_reading_compares_as_the_text_does():
    other = "楼上渗水，墙皮都泡掉了"
    kept = from_stored(stored(terms(other)))
    assert abs(similarity(terms(LEAK), kept) - similarity(terms(LEAK), terms(other))) < 0.01
    assert shared_words(terms(LEAK), kept) == shared_words(terms(LEAK), terms(other))


def test_a_candidate_says_why_in_chinese():
    mine = Side(LEAK, "neighbour.water_leak", qr_site_id=7)
    theirs = Side("楼上渗水，墙皮都泡掉了", "neighbour.water_leak", qr_site_id=7)
    assert score(mine, theirs, 75.0, 300.0, 5.0, 168.0) > score(
        mine, Side("楼上渗水，墙皮都泡掉了", "pollution"), 75.0, 300.0, 5.0, 168.0
    )
    why = reasons(mine, theirs, 75.0, 5.2)
    assert why[:2] == ["80 米内", "相隔约 5 小时"]
    assert any(r.startswith("内容相近：") and "漏水" in r for r in why)
    assert "同一类别" in why and "同一张二维码" in why


def test_the_learnt_model_categorises_what_no_keyword_names():
    rules = seeded()
    text = "上面那家的水顺着灯座往下流，屋顶都湿透了"
    assert rules.category(text)[0] is None  # no keyword of the seeded rules is in it
    code, why = suggest(rules, text)
    assert code == "neighbour.water_leak"
    assert why[-1].startswith("把握约") and why[0].startswith(("用词相近：", "关键词："))


def test_an_admins_own_rule_wins_over_the_model_and_the_seeded_keywords():
    rules = seeded()
    text = "楼上卫生间漏水，天花板渗水"
    assert suggest(rules, text)[0] == "neighbour.water_leak"
    own = SimpleNamespace(kind="category", match="keyword", pattern="天花板", target="damages",
                          weight=1.0)  # fmt: skip
    with_own = RuleSet([*rules.category_rules, own], rules.risk_rules)
    assert suggest(with_own, text) == ("damages", ["规则：「天花板」"])
    # A seeded rule an admin re-weighted is theirs too.
    heavier = [
        SimpleNamespace(**{**r.__dict__, "weight": 5.0}) if r.pattern == "渗水" else r
        for r in rules.category_rules
    ]
    code, why = suggest(RuleSet(heavier, []), text)
    assert code == "neighbour.water_leak" and why == ["规则：「渗水」"]


def test_nothing_is_guessed_from_characters_alone():
    assert suggest(seeded(), "有事")[0] is None


def test_the_queue_returns_each_candidates_reasons(file_report, client, auth, cleaner):
    with frozen_at(T0) as clock:
        first = file_report("楼上卫生间漏水，我家天花板全湿了")
        clock.advance(timedelta(hours=3))
        second = file_report("楼上那家的水渗到我家来了，墙皮都泡掉了")
    items = client.get("/api/v1/queue", headers=auth(cleaner)).json["items"]
    row = next(i for i in items if i["report"]["id"] == second.id)
    [candidate] = row["suggestions"]["duplicates"]
    assert candidate["report_id"] == first.id
    assert "10 米内" in candidate["reasons"] and "相隔约 3 小时" in candidate["reasons"]
    assert any(r.startswith("内容相近：") for r in candidate["reasons"])
    assert row["suggestions"]["category_code"] == "neighbour.water_leak"
    assert row["suggestions"]["category_reasons"]


def test_the_tokenizer_cuts_as_jiebas_own_does():
    """meaning's tokenizer rewrites jieba's two loops for speed: the words starting at each
    character and the route through them must be jieba's own, sum for sum."""
    import jieba

    cut = tokenizer()
    texts = [item.description for item in load()[:400]] + ["", "漏", "abc123漏水ktv", LEAK]
    for text in texts:
        for run in _WORDY.findall(unicodedata.normalize("NFKC", text).lower()):
            dag = cut.get_DAG(run)
            assert dag == jieba.Tokenizer.get_DAG(cut, run), run
            ours, theirs = {}, {}
            cut.calc(run, dag, ours)
            jieba.Tokenizer.calc(cut, run, dag, theirs)
            assert ours == theirs, run
    assert type(cut).calc is not jieba.Tokenizer.calc  # the rewrite is what was compared
