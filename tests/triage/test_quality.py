"""The targets of the triage evaluation set (tests/data/triage_eval.jsonl), through intake.

Every report is filed through the one intake path at its own time and place, so pre-sorting
runs exactly as in production; the figures are read back from the stored suggestions. The
targets are asserted on the held-out split, which tuning never looked at.
"""

import pytest
from sqlalchemy import select

from app.core.clock import frozen_at
from app.extensions import db
from app.triage.models import ReportSuggestion
from tests.triage.evalset import figures, load, true_pairs

TARGET = 0.9
# What each finder reached on the held-out split, a little below: a change that makes one worse
# fails here. The lexicon (default: words, synonyms, naive Bayes over words, characters and the
# concepts of app/triage/category_words.py, its categories learnt from the training split and
# the written corpus of app/triage/corpus.py) reached precision 0.918, recall 0.802, category
# 0.887 (0.851, 0.617, 0.789 without the corpus; 0.79, 0.44, 0.67 before the concepts were
# added); the opt-in embedding finder (multilingual-e5-small sentence vectors, its categories
# with the word and concept model's log-odds added) 0.827, 0.743, 0.845 (0.841, 0.731, 0.840
# without the corpus; 0.816, 0.689, 0.804 from the vectors alone); character n-grams and
# keywords before issue 15: 0.38, 0.12, 0.20. The targets are checked last and
# reported as not yet met.
FLOOR = {
    "lexicon": {"precision": 0.89, "recall": 0.77, "category_accuracy": 0.86},
    "embedding": {"precision": 0.8, "recall": 0.7, "category_accuracy": 0.81},
}


def test_the_evaluation_set_is_large_varied_and_split_by_place():
    items = load()
    assert len(items) >= 400
    assert {i.voice for i in items} == {"resident", "guard", "grid_worker"}
    held = [i for i in items if i.split == "heldout"]
    assert len(held) >= 150
    assert len(true_pairs(held)) >= 100
    # No matter and no place is in both splits.
    places = {i.matter.split("/")[0] for i in held}
    assert not places & {i.matter.split("/")[0] for i in items if i.split == "train"}
    # Held-out wordings are not train wordings.
    assert not {i.description for i in held} & {i.description for i in items if i.split == "train"}


@pytest.mark.parametrize("meaning", ["lexicon", "embedding"])
def test_held_out_duplicates_and_categories_reach_the_targets(app, file_report, meaning):
    if meaning == "embedding":
        from tests.triage.test_embedding import _cannot_run

        if _cannot_run():
            pytest.skip(_cannot_run())
    app.config["TRIAGE_MEANING"] = meaning
    items = load()
    keys: dict[int, int] = {}
    for item in items:
        with frozen_at(item.at):
            report = file_report(
                item.description,
                at=(item.lon, item.lat),
                category_code=item.given_category,
                channel=item.channel,
            )
        keys[report.id] = item.key
    predicted: set[tuple[int, int]] = set()
    categories: dict[int, str | None] = {}
    for row in db.session.scalars(select(ReportSuggestion)):
        categories[keys[row.report_id]] = row.suggested_category_code
        for candidate in row.duplicates:
            predicted.add((keys[row.report_id], keys[candidate["report_id"]]))
            assert any("米内" in r for r in candidate["reasons"]), candidate
    train, held = (
        figures(items, predicted, categories, "train"),
        figures(items, predicted, categories, "heldout"),
    )
    print(f"\n{meaning}\ntrain:   {train}\nheldout: {held}")
    for name, floor in FLOOR[meaning].items():
        assert getattr(held, name) >= floor, (name, held)
    short = [n for n in FLOOR[meaning] if getattr(held, n) < TARGET]
    if short:
        pytest.xfail(f"held-out targets (≥ {TARGET}) not met yet: {', '.join(short)} — {held}")
