"""The duplicate score's category term from both reports' likely categories (h22b): two
guesses that differ but hesitate toward each other are not pushed apart as if sure; guesses
with nothing in common still are; a category a person gave stays a certainty; readings stored
before the likely categories were kept still score by the hard term."""

from datetime import timedelta

from app.core.clock import frozen_at
from app.extensions import db
from app.triage.categorise import LIKELY_KEPT, model
from app.triage.duplicates import (
    OTHER_CATEGORY,
    SAME_TOP_LEVEL,
    Side,
    category_affinity,
    category_reason,
    category_term,
    score,
    soft_affinity,
)
from app.triage.meaning import from_stored, stored, terms
from tests.triage.test_suggestions import T0, suggestion

NOISE, LEAK, ORDER = "neighbour.noise", "neighbour.water_leak", "public_order"
TEXT = "楼上半夜一直有动静，吵得睡不着"
OTHER_TEXT = "三楼那家晚上老有响声"  # a paraphrase: the words alone do not make it a duplicate


def pair_score(mine: Side, theirs: Side) -> float:
    return score(
        mine, Side(OTHER_TEXT, theirs.category_code, likely=theirs.likely), 50.0, 300.0, 3.0, 168.0
    )


def test_guesses_that_differ_but_overlap_are_pulled_not_pushed():
    mine = Side(TEXT, NOISE, likely=((NOISE, 0.6), (LEAK, 0.4)))
    theirs = Side(TEXT, LEAK, likely=((LEAK, 0.55), (NOISE, 0.45)))
    hard = category_affinity(NOISE, LEAK)
    assert hard == SAME_TOP_LEVEL
    # 0.12 × 0.49 (both one category) + 0.05 × 0.51 (both one top level only)
    assert abs(category_term(mine, theirs) - 0.0843) < 1e-9
    assert pair_score(mine, theirs) > pair_score(Side(TEXT, NOISE), Side(TEXT, LEAK))
    # The pull came mostly from the chance both are noise, and says so.
    assert category_reason(mine, theirs) == "可能同属噪音扰民"


def test_a_push_is_softened_by_the_chance_both_are_one_kind():
    mine = Side(TEXT, NOISE, likely=((NOISE, 0.55), (ORDER, 0.45)))
    theirs = Side(TEXT, ORDER, likely=((ORDER, 0.6), (NOISE, 0.4)))
    assert category_affinity(NOISE, ORDER) == OTHER_CATEGORY
    assert OTHER_CATEGORY < category_term(mine, theirs) < 0  # softened, still no pull
    assert category_reason(mine, theirs) is None


def test_guesses_with_nothing_in_common_are_still_pushed_apart():
    mine = Side(TEXT, NOISE, likely=((NOISE, 0.7), (LEAK, 0.3)))
    theirs = Side(TEXT, ORDER, likely=((ORDER, 0.8), ("traffic_accident", 0.2)))
    assert category_term(mine, theirs) == OTHER_CATEGORY
    assert pair_score(mine, theirs) == pair_score(Side(TEXT, NOISE), Side(TEXT, ORDER))


def test_the_fast_term_is_the_expected_one():
    """category_term sums the new report's pulls; soft_affinity the chances: the same value."""
    a = ((NOISE, 0.5), (LEAK, 0.3), (ORDER, 0.2))
    b = ((LEAK, 0.5), ("neighbour.access", 0.3), (NOISE, 0.2))
    term = category_term(Side(TEXT, NOISE, likely=a), Side(TEXT, LEAK, likely=b))
    assert abs(term - max(SAME_TOP_LEVEL, soft_affinity(a, b))) < 1e-12


def test_the_model_keeps_a_few_likely_categories_and_a_reading_carries_them():
    code, _posterior, _words, likely = model().predict_likely("楼上卫生间漏水，天花板全湿了")
    assert likely[0][0] == code and 1 <= len(likely) <= LIKELY_KEPT
    assert sum(p for _, p in likely) <= 1.001
    kept = from_stored(stored(terms(TEXT), likely))
    assert kept.likely == likely
    assert from_stored(stored(terms(TEXT))).likely is None  # as stored before h22b


def test_intake_keeps_the_likely_categories_with_the_reading(file_report):
    report = file_report("阳光花园3栋楼上卫生间漏水，天花板全湿了")
    row = suggestion(report)
    assert row.reading["c"][0][0] == row.suggested_category_code
    assert row.reading["w"]  # the words are kept as before


def test_a_neighbour_stored_before_the_likely_categories_keeps_the_hard_term(file_report):
    with frozen_at(T0):
        first = file_report("阳光花园3栋楼上卫生间漏水，天花板全湿了")
    old = {key: value for key, value in suggestion(first).reading.items() if key != "c"}
    suggestion(first).reading = old
    db.session.commit()
    with frozen_at(T0 + timedelta(hours=1)):
        second = file_report("阳光花园3栋楼上漏水，我家天花板在滴水")
    offered = next(d for d in suggestion(second).duplicates if d["report_id"] == first.id)
    assert "同一类别" in offered["reasons"]


def test_a_category_a_person_gave_stays_a_certainty(file_report):
    """The first report's stored guess says a leak; a person said public order: the second
    (a leak) is pushed apart by the person's category, not pulled by the stored guess."""
    text = "阳光花园3栋楼上卫生间漏水，天花板全湿了"
    with frozen_at(T0):
        guessed = file_report(text)
        given = file_report(text, category_code=ORDER)
    assert suggestion(given).reading["c"][0][0] == LEAK  # what the words alone suggest
    # Even a guess that hesitated toward public order would pull toward the leak; the
    # person's category does not hesitate.
    suggestion(given).reading = {**suggestion(given).reading, "c": [[LEAK, 0.6], [ORDER, 0.4]]}
    db.session.commit()
    with frozen_at(T0 + timedelta(hours=1)):
        second = file_report("阳光花园3栋楼上漏水，我家天花板在滴水")
    scores = {d["report_id"]: d["score"] for d in suggestion(second).duplicates}
    assert scores[given.id] < scores[guessed.id] - 0.2  # −0.15 against +0.12
