"""The written category corpus (app/triage/data/category_corpus.jsonl) and how the category
models learn from it beside the labelled training split."""

import json
from collections import Counter

import pytest

from app.categories.seed import CATEGORIES
from app.triage import categorise, concept_model, corpus
from app.triage.categorise import documents
from bench.triage_quality import seeded_ruleset
from tests.triage.evalset import load

VOICES = {"resident", "guard", "grid_worker", "elder", "business", "dialect"}


def test_every_corpus_row_is_a_report_of_a_seeded_category_in_a_known_voice():
    codes = {code for code, _name, _parent in CATEGORIES}
    lines = [line for line in corpus.CORPUS.read_text(encoding="utf-8").splitlines() if line]
    for line in lines:
        row = json.loads(line)
        assert set(row) == {"description", "category", "voice"}, row
        assert row["category"] in codes, row
        assert row["voice"] in VOICES, row
        assert 4 <= len(row["description"]) <= 200, row
    texts = [json.loads(line)["description"] for line in lines]
    assert len(texts) == len(set(texts)), "a corpus report is written twice"


def test_every_top_level_category_has_at_least_thirty_corpus_reports():
    tops = {code for code, _name, parent in CATEGORIES if parent is None}
    counted = Counter(code.split(".")[0] for _text, code in corpus.corpus())
    assert {top: counted[top] for top in tops if counted[top] < 30} == {}


def test_no_corpus_report_repeats_a_training_report():
    # A repeated wording would flatter the training split's folds, where the weight is chosen.
    training = {i.description for i in load() if i.split == "train"}
    assert not training & {text for text, _code in corpus.corpus()}


def test_the_models_learn_from_the_corpus_at_its_weight_and_not_at_zero():
    labelled = [("楼上漏水", "neighbour.water_leak")]
    with_corpus = documents(labelled)
    assert with_corpus[0] == ("楼上漏水", "neighbour.water_leak", 1.0)
    written = [d for d in with_corpus if (d[0], d[1]) in set(corpus.corpus())]
    assert len(written) == len(corpus.corpus())
    assert {weight for _t, _c, weight in written} == {corpus.CORPUS_WEIGHT}
    assert not [d for d in documents(labelled, 0) if (d[0], d[1]) in set(corpus.corpus())]


def test_a_document_at_weight_two_counts_as_the_same_document_twice():
    one = ("隔壁麻将馆打到半夜", "neighbour.noise")
    other = ("医院误诊耽误了病情", "medical")
    assert categorise.train([(*one, 2.0), (*other, 1.0)]) == categorise.train([one, one, other])
    weighted = concept_model.train([(*one, 2.0), (*other, 1.0)], steps=50)
    twice = concept_model.train([one, one, other], steps=50)
    assert weighted["bias"] == pytest.approx(twice["bias"], abs=0.002)


@pytest.mark.parametrize(
    "text, top",
    [
        # Categories the labelled training split has no report of: only the corpus teaches them.
        ("镇卫生院给我爸输错了液，现在人还在重症室，院方不认", "medical"),
        ("楼上小孩从窗户扔玻璃瓶砸坏了我停在下面的摩托车，家长不肯赔", "damages"),
        ("想咨询一下新生儿上户口要准备哪些材料", "other"),
    ],
)
def test_the_shipped_model_knows_categories_the_training_split_lacks(text, top):
    code, reasons = categorise.suggest(seeded_ruleset(), text)
    assert code is not None and code.split(".")[0] == top, (code, reasons)
