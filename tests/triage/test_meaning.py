"""Reading reports for meaning: synonyms folded, place names muted, reasons in Chinese; the
category model and the admins' rules; candidates and their reasons in the queue API."""

from datetime import timedelta
from types import SimpleNamespace

from app.core.clock import frozen_at
from app.triage import semantic
from app.triage.categorise import suggest
from app.triage.duplicates import Side, reasons, score
from app.triage.meaning import from_stored, shared_words, similarity, stored, terms
from app.triage.rules import RuleSet
from app.triage.seed import seeded_rules
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


def closeness(a: str, b: str) -> float:
    return float(semantic.model().closeness(semantic.embed(a), semantic.embed(b)[None])[0])


def test_a_candidate_says_why_in_chinese():
    mine = Side(LEAK, "neighbour.water_leak", qr_site_id=7)
    theirs = Side("楼上渗水，墙皮都泡掉了", "neighbour.water_leak", qr_site_id=7)
    close = closeness(LEAK, theirs.description)
    assert score(mine, theirs, 75.0, 300.0, 5.0, 168.0, close) > score(
        mine, Side("楼上渗水，墙皮都泡掉了", "pollution"), 75.0, 300.0, 5.0, 168.0, close
    )
    why = reasons(mine, theirs, 75.0, 5.2, close)
    assert why[:2] == ["80 米内", "相隔约 5 小时"]
    assert any(r.startswith("内容相近：") and "漏水" in r for r in why)
    assert "同一类别" in why and "同一张二维码" in why


def test_a_paraphrase_with_no_shared_words_is_close_in_meaning():
    """The case the lexicon missed: one report names the duty, the other describes it."""
    duty = "后辈长期拒绝履行赡养义务，老人生活无人照料"
    told = "三个娃儿都在城里，没一个回来看老汉儿，饭都吃不上"
    noise = "楼下烧烤店油烟太大，窗户都不敢开"
    assert closeness(duty, told) > closeness(duty, noise) + 0.2
    # Two matters at one estate: the estate's name does not make them alike.
    leak, dance = "阳光花园3栋楼上卫生间漏水", "阳光花园3栋楼下广场舞音响太吵"
    assert closeness(leak, "楼上的水渗到我家天花板了") > closeness(leak, dance)


def test_a_vector_is_stored_in_768_bytes_and_compares_as_the_text_does():
    vector = semantic.embed(LEAK)
    kept = semantic.unpack(semantic.pack(vector))
    assert len(semantic.pack(vector)) == 768 and kept.shape == (384,)
    assert abs(float(kept @ vector) - 1.0) < 1e-3
    assert (
        abs(
            closeness(LEAK, "楼上渗水")
            - float(semantic.model().closeness(kept, semantic.embed("楼上渗水")[None])[0])
        )
        < 1e-3
    )


def test_the_learnt_model_categorises_what_no_keyword_names():
    rules = seeded()
    text = "上面那家的水顺着灯座往下流，屋顶都湿透了"
    assert rules.category(text)[0] is None  # no keyword of the seeded rules is in it
    code, why = suggest(rules, text)
    assert code == "neighbour.water_leak"
    assert why[0] == "意思与此类案件相近" and why[-1].startswith("把握约")


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
    assert "意思相近" in candidate["reasons"]
    assert any(r.startswith("内容相近：") for r in candidate["reasons"])
    assert row["suggestions"]["category_code"] == "neighbour.water_leak"
    assert row["suggestions"]["category_reasons"]


def test_each_report_is_embedded_once_and_later_ones_compare_with_the_stored_vector(
    file_report, monkeypatch
):
    from app.extensions import db
    from app.triage import suggestions
    from app.triage.models import ReportSuggestion

    embedded: list[str] = []

    def counting(text):
        embedded.append(text)
        return semantic.embed.__wrapped__(text)  # past the per-process cache: counts every one

    monkeypatch.setattr(suggestions, "embed", counting)
    with frozen_at(T0) as clock:
        first = file_report(LEAK)
        clock.advance(timedelta(hours=1))
        second = file_report("楼上那家的水渗到我家来了，墙皮都泡掉了")
    assert embedded == [first.description, second.description]
    kept = db.session.get(ReportSuggestion, first.id).meaning_vector
    assert kept is not None and len(kept) == 768
    assert [d["report_id"] for d in db.session.get(ReportSuggestion, second.id).duplicates] == [
        first.id
    ]


def test_the_embed_command_stores_vectors_for_reports_sorted_before_them(app, file_report):
    from sqlalchemy import update

    from app.extensions import db
    from app.triage.models import ReportSuggestion

    leak, noise = file_report(LEAK), file_report("楼下广场舞音响太吵")
    db.session.execute(update(ReportSuggestion).values(meaning_vector=None))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["triage", "embed", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "sentence vectors stored for 2 reports" in result.output
    db.session.expire_all()
    for report in (leak, noise):
        kept = semantic.unpack(db.session.get(ReportSuggestion, report.id).meaning_vector)
        assert float(kept @ semantic.embed(report.description)) > 0.99


def test_the_engine_can_run_on_this_machine():
    semantic.check_engine()  # create_app calls it: a machine without AVX2 stops at start-up
