"""Pure functions: Chinese n-gram similarity and reading numbers out of Chinese text."""

import pytest

from app.triage.numbers import parse_chinese_number, quantities
from app.triage.similarity import cosine, ngrams, normalise, text_similarity


def test_normalise_folds_width_and_drops_punctuation_and_boilerplate():
    assert normalise("ＡＢＣ，您好！楼上漏水。") == "abc 楼上漏水"


def test_ngrams_stay_inside_runs_of_text():
    assert ngrams("漏水，渗水", 2) == {"漏水": 1, "渗水": 1}
    assert "的" not in ngrams("我的家", 1)


def test_cosine_bounds():
    a = ngrams("楼上漏水", 2)
    assert cosine(a, a) == pytest.approx(1.0)
    assert cosine(a, ngrams("广场舞", 2)) == 0.0
    assert cosine(a, ngrams("", 2)) == 0.0


def test_paraphrase_scores_above_a_different_matter_at_the_same_place():
    leak = "阳光花园3栋楼上卫生间漏水，我家天花板全湿了"
    paraphrase = "阳光花园楼上住户漏水渗到我家，墙皮都泡掉了"
    other_matter = "阳光花园3栋楼下烧烤店油烟太大"
    assert text_similarity(leak, paraphrase) > text_similarity(leak, other_matter)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("二十五", 25), ("三十万", 300_000), ("1.5万", 15_000), ("十几", 10), ("几十", 20),
        ("一百零五", 105), ("两千", 2000), ("十", 10), ("5", 5), ("一万二千", 12_000),
        ("二十几", 20), ("20万", 200_000),
    ],
)  # fmt: skip
def test_parse_chinese_number(text, value):
    assert parse_chinese_number(text) == value


@pytest.mark.parametrize(
    ("text", "people", "amount"),
    [
        ("20多人在门口聚集", 20, 0),
        ("十几户业主", 10, 0),
        ("欠了5万元", 0, 50_000),
        ("老板欠我们三十万", 0, 300_000),
        ("几十个工人", 20, 0),
        ("一百多名村民", 100, 0),
        ("欠薪两千块", 0, 2000),
        ("3栋2单元早上7点", 0, 0),
        ("千万注意，万达广场门口", 0, 0),
    ],
)
def test_quantities(text, people, amount):
    found = quantities(text)
    assert (found.people, found.amount_yuan) == (people, amount)
