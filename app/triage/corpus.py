"""A category training corpus written from general knowledge, shipped beside the models.

The labelled evaluation set's training split has 287 reports over 13 top-level categories,
some with 4–9 (land_requisition, consumer, forest_land, property_mgmt) and four (medical,
damages, contract, other) with none: a category model learnt from it alone knows each kind of
matter by a handful of wordings. `data/category_corpus.jsonl` adds 803 reports written for
this purpose by two writers from general knowledge (one JSON object a line: description,
category code of app/categories/seed.py, voice — resident, guard, grid_worker, elder, business
or dialect; 34–78 per top-level category), in colloquial, official and Sichuan-dialect
wordings, following the training split's labelling conventions (a car in the fire lane is
通行, a KTV's noise is 噪音扰民, a fight outside it 治安) and never written from, or compared
with, the held-out split.

Every category model builder learns from it beside the training split; a corpus report
counts CORPUS_WEIGHT of a labelled one: on the training split's folds by wording, top-level
accuracy averaged over the plain texts and the texts with half or all of their lexicon words
dropped was 0.68 without the corpus, 0.83 at weight 1 and 0.845 at 2–8; 2 is the best and
the smallest on that plateau (bench/RESULTS.md, 2026-12-01 h21c).
"""

import json
from functools import lru_cache
from pathlib import Path

CORPUS = Path(__file__).with_name("data") / "category_corpus.jsonl"
CORPUS_WEIGHT = 2.0


@lru_cache(maxsize=1)
def corpus() -> tuple[tuple[str, str], ...]:
    """(description, category code) of every corpus report, in file order."""
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append((row["description"], row["category"]))
    return tuple(rows)


def weighted(
    labelled: list[tuple[str, str]], weight: float | None = None
) -> list[tuple[str, str, float]]:
    """The labelled reports (weight 1) and the corpus (`weight`, default CORPUS_WEIGHT; 0 leaves
    it out), as (text, code, weight)."""
    weight = CORPUS_WEIGHT if weight is None else weight
    rows = [(text, code, 1.0) for text, code in labelled]
    if weight > 0:
        rows += [(text, code, weight) for text, code in corpus()]
    return rows
