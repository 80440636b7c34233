"""The default finder's category model: naive Bayes over words, characters and the concepts of
app/triage/category_words.py, so a word training never saw counts when its concept did. No
database: it is plain data and arithmetic."""

from app.triage.categorise import CONCEPT, NaiveBayes, features, model, shown, suggest, train
from app.triage.category_words import CONCEPTS, concepts_in
from app.triage.meaning import matter_text
from tests.triage.evalset import load
from tests.triage.test_meaning import seeded

TINY = [
    ("楼下液化气味道很重", "safety_hazard.gas"),
    ("液化气好像漏了", "safety_hazard.gas"),
    ("欠了三个月工资不发", "labour_wages.unpaid_wages"),
    ("工资拖着不给", "labour_wages.unpaid_wages"),
]


def test_a_word_training_never_saw_counts_through_its_concept():
    learnt = NaiveBayes(train(TINY))
    # No character of it is in training either: without the concept nothing would be known.
    assert not set("门面外头码一排钢瓶") & set("".join(text for text, _ in TINY))
    code, _posterior, words = learnt.predict("门面外头码一排钢瓶")
    assert code == "safety_hazard.gas"
    assert words == ["钢瓶"]  # the word as the text wrote it, not the concept's name
    assert learnt.predict("有事")[0] is None


def test_a_concept_outweighs_a_few_characters_of_another_category():
    learnt = NaiveBayes(train(TINY))
    # 「欠」 and the characters 「欠」「了」「不」「给」 lean to wages; the one concept word
    # 「钢瓶」 (gas) weighs CONCEPT_WEIGHT features and outweighs them (at weight 1 it did not).
    assert learnt.predict("欠了不给钢瓶")[0] == "safety_hazard.gas"


def test_the_shipped_model_uses_concepts_for_words_its_training_never_had():
    training = "".join(i.description for i in load() if i.split == "train")
    text = "门面外头码一排钢瓶"
    assert "钢瓶" not in training and CONCEPT + "燃气" in features(text)
    assert CONCEPT + "燃气" in model().known
    code, why = suggest(seeded(), text)
    assert code == "safety_hazard.gas" and why[0] == "用词相近：钢瓶"


def test_concepts_are_found_as_a_plain_search_finds_them():
    for name, words in CONCEPTS:
        for word in words:
            assert name in concepts_in(f"那个{word}了"), (name, word)
    for item in load():
        if item.split == "train":
            rest = matter_text(item.description)
            plain = tuple(n for n, words in CONCEPTS if any(w in rest for w in words))
            assert concepts_in(rest) == plain, item.description


def test_the_words_shown_stop_at_three_as_the_first_three_of_all_would():
    """shown stops once it has `most` words: what a later word could no longer change."""
    checked = 0
    for item in load()[:300]:
        telling = [f for f in features(item.description, characters=False)][::-1]
        everything = shown(item.description, telling, most=len(telling) + 1)
        assert shown(item.description, telling, most=3) == everything[:3], item.description
        checked += len(everything) > 3
    assert checked  # some texts had more than three to show
