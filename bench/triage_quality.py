"""Figures of the triage evaluation set without a database, for tuning and for the record.

    python -m bench.triage_quality [--split train|heldout] [--meaning lexicon|embedding] [--old]
                                   [--strip SHARE] [--corpus-weight W]

Replays the set in time order as intake would (the same radius, window and cap on the
candidates, the same scoring functions as app/triage/suggestions.py) and prints precision and
recall of duplicate pairs and top-level category accuracy, for the finder TRIAGE_MEANING
names (`--meaning`: lexicon, the default, or the opt-in embedding). `--old` scores with the
character n-gram finder and the keyword rules alone, as before issue 15. Tune on `train` only;
the held-out split is for the record (tests/triage/test_quality.py asserts its floors for each
finder through intake on both databases).

A training report's category comes from models that have not seen it: 3 folds by wording
(each matter's training wordings dealt round the folds), since folds by place still share
every wording and flatter a model (naive Bayes scored 0.98 with folds by place, 0.82 with folds
by wording). `--meaning embedding --fit` refits that finder's duplicate score
(app/triage/embedding.py) by logistic regression on the training split's candidate pairs and
prints the weights with precision and recall per threshold. `--strip 0.5` suggests
each category from the text with half its lexicon words dropped (either finder; the embedding
finder embeds the shortened text): a training-split stand-in for
wordings the lexicons do not list (the category figure only means that then).
`--corpus-weight W` trains the fold models with each report of the written category corpus
(app/triage/corpus.py) counting W of a labelled one (0: without it; default: the shipped
weight); the shipped model files are rebuilt by the builders, not here.
"""

import argparse
import time
from types import SimpleNamespace

import numpy as np

from app.core.coords import haversine_m
from app.triage.rules import RuleSet
from app.triage.seed import seeded_rules
from tests.triage.evalset import figures, load

RADIUS_M, WINDOW_DAYS, MAX_DUPLICATES = 300.0, 7.0, 5
HARD = False  # --hard: the lexicon finder's category term from the argmaxes alone, as before
FOLDS = 3  # by wording, for both finders' category models


def wording_fold(item) -> int | None:
    """The fold of a training report: which of its matter's training wordings it was written
    from, dealt round FOLDS (None for held-out reports, which use the shipped model)."""
    import re

    from tests.triage.evalset import MATTERS

    if item.split != "train":
        return None
    bank = MATTERS[item.matter.split("/")[2]][2]
    for number, wording in enumerate(bank):
        parts = re.split(r"(\{[a-z]+\})", wording)
        pattern = "".join(".*?" if p.startswith("{") else re.escape(p) for p in parts)
        if re.fullmatch(pattern, item.description):
            return number % FOLDS
    raise ValueError(f"report {item.key}: no training wording matches")


def without_lexicon_words(text: str, share: float, seed: int) -> str:
    """`text` as a writer avoiding the lexicons might have put it: each occurrence of a word
    of the synonym lexicon, the concept lexicon or the seeded keywords dropped with probability
    `share` (longest words first). The held-out wordings were written to avoid the lexicons;
    on the training split, whose wordings the lexicons were written from, this shows how a
    category model fares when its listed words are missing."""
    import random

    from app.triage.category_words import CONCEPTS
    from app.triage.lexicon import SYNONYMS
    from app.triage.seed import CATEGORY_KEYWORDS

    listed = {w for group in SYNONYMS for w in group} | {w for _, ws in CONCEPTS for w in ws}
    listed |= {w for _, _, ws in CATEGORY_KEYWORDS for w in ws}
    longest_first = sorted(listed, key=len, reverse=True)
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(text):
        word = next((w for w in longest_first if text.startswith(w, i)), None)
        if word is None:
            out.append(text[i])
            i += 1
            continue
        if rng.random() >= share:
            out.append(word)
        i += len(word)
    return "".join(out)


def seeded_ruleset() -> RuleSet:
    rows = [SimpleNamespace(**row) for row in seeded_rules()]
    return RuleSet([r for r in rows if r.kind == "category"], [r for r in rows if r.kind == "risk"])


def old_category(rules: RuleSet, text: str):
    return rules.category(text)[0]


def old_score(text: float, mine: str | None, other: str | None, distance_m: float) -> float:
    """The finder before issue 15 (character n-grams), kept here to measure against."""
    affinity = 0.0
    if mine and other:
        top = mine.split(".")[0] == other.split(".")[0]
        affinity = 0.2 if mine == other else (0.1 if top else -0.15)
    nearness = 0.05 * max(0.0, 1.0 - distance_m / RADIUS_M)
    return round(min(1.0, max(0.0, text + affinity + nearness)), 3)


def run(
    old: bool,
    minimum: float | None = None,
    pairs: list | None = None,
    meaning: str = "lexicon",
    strip: float = 0.0,
):
    """`meaning`: the finder (lexicon or embedding). `pairs`: if given (embedding), every
    training pair compared is appended as (features, same matter). `strip`: the share of
    lexicon words dropped from the text the category is suggested from."""
    items = load()
    rules = seeded_ruleset()
    if old:
        categorise_item = lambda text: old_category(rules, text)  # noqa: E731
    else:
        from app.triage import categorise, concept_model
        from app.triage.categorise import documents

        # The shipped models learnt from the whole training split: a training report is
        # categorised by models that have not seen its wording (FOLDS folds by wording).
        fold_of = {i.key: wording_fold(i) for i in items}
        by_wording = {}
        for fold in range(FOLDS):
            labelled = [
                (i.description, i.category)
                for i in items
                if i.split == "train" and fold_of[i.key] != fold
            ]
            kind = categorise if meaning == "lexicon" else concept_model
            learnt_words = kind.train(documents(labelled))
            by_wording[fold] = (
                labelled,
                categorise.NaiveBayes(learnt_words)
                if meaning == "lexicon"
                else concept_model.Linear(learnt_words),
            )
        if meaning == "lexicon":

            def categorise_item(item):
                fold = fold_of[item.key]
                words = by_wording.get(fold, (0, None))[1]
                text = item.description
                if strip:
                    text = without_lexicon_words(text, strip, item.key)
                code, _, likely = categorise.suggest_likely(rules, text, words)
                return code, (None if HARD else likely)
        else:
            from app.triage import semantic
            from app.triage.embedding import suggest

            vectors = {i.key: semantic.embed(i.description) for i in items}
            shipped = semantic.model()
            learnt = {}
            for fold, (labelled, _) in by_wording.items():
                mean = np.stack([semantic.embed(text) for text, _ in labelled]).mean(axis=0)
                learnt[fold] = semantic.fit_documents(semantic.documents(labelled), mean)

            def categorise_item(item):
                fold = fold_of[item.key]
                text, vector = item.description, vectors[item.key]
                if strip:
                    text = without_lexicon_words(text, strip, item.key)
                    vector = semantic.embed(text)
                return suggest(
                    rules,
                    text,
                    learnt.get(fold, shipped),
                    vector,
                    by_wording.get(fold, (0, None))[1],
                )[0]

    started = time.perf_counter()
    reports = []
    for item in items:
        suggested = categorise_item(item) if not old else categorise_item(item.description)
        likely = None
        if isinstance(suggested, tuple):  # the lexicon finder: (code, likely categories)
            suggested, likely = suggested
        if item.given_category:
            likely = None if HARD else ((item.given_category, 1.0),)
        reports.append(
            {
                "key": item.key,
                "text": item.description,
                "at": item.at,
                "lon": item.lon,
                "lat": item.lat,
                "suggested": suggested,
                "category": item.given_category or suggested,
                "likely": likely,
            }
        )
    categorised = time.perf_counter()
    if old:
        from app.triage.similarity import fingerprint, similarity_of

        def scorer(mine, other, distance, hours):
            text = similarity_of(fingerprint(mine["text"]), fingerprint(other["text"]))
            return old_score(text, mine["category"], other["category"], distance)

        minimum = 0.32 if minimum is None else minimum
    elif meaning == "lexicon":
        from app.triage.duplicates import Side, score

        def scorer(mine, other, distance, hours):
            return score(
                Side(mine["text"], mine["category"], likely=mine["likely"]),
                Side(other["text"], other["category"], likely=other["likely"]),
                distance,
                RADIUS_M,
                hours,
                WINDOW_DAYS * 24,
            )

        if minimum is None:
            from app.config import Config

            minimum = Config.DUPLICATE_MIN_SCORE
    else:
        from app.triage.duplicates import Side
        from app.triage.embedding import SAME_CATEGORY, category_affinity, score
        from tests.triage.evalset import true_pairs

        shipped = semantic.model()
        centred = {i.key: shipped.centred(vectors[i.key])[0] for i in items}

        truth = true_pairs(items) if pairs is not None else set()
        train_keys = {i.key for i in items if i.split == "train"}

        def scorer(mine, other, distance, hours):
            close = float(centred[mine["key"]] @ centred[other["key"]])
            if pairs is not None and mine["key"] in train_keys:
                affinity = category_affinity(mine["category"], other["category"]) / SAME_CATEGORY
                near = max(0.0, 1 - distance / RADIUS_M)
                recent = max(0.0, 1 - hours / (WINDOW_DAYS * 24))
                same = (mine["key"], other["key"]) in truth
                pairs.append(([close, affinity, near, recent], same))
            return score(
                Side(mine["text"], mine["category"]),
                Side(other["text"], other["category"]),
                distance,
                RADIUS_M,
                hours,
                WINDOW_DAYS * 24,
                close,
            )

        if minimum is None:
            from app.config import Config

            minimum = Config.DUPLICATE_MIN_SCORE_EMBEDDING
    predicted = set()
    compared = 0
    for i, mine in enumerate(reports):
        found = []
        for other in reports[:i]:
            hours = (mine["at"] - other["at"]).total_seconds() / 3600
            if hours > WINDOW_DAYS * 24:
                continue
            distance = haversine_m(mine["lon"], mine["lat"], other["lon"], other["lat"])
            if distance > RADIUS_M:
                continue
            compared += 1
            value = scorer(mine, other, distance, hours)
            if value >= minimum:
                found.append((value, other["key"]))
        for _, key in sorted(found, reverse=True)[:MAX_DUPLICATES]:
            predicted.add((mine["key"], key))
    finished = time.perf_counter()
    categories = {r["key"]: r["suggested"] for r in reports}
    return (
        items,
        predicted,
        categories,
        {
            "categorise_ms": 1000 * (categorised - started) / len(items),
            "score_ms": 1000 * (finished - categorised) / max(1, compared),
            "compared": compared,
        },
    )


def fit(l2: float = 1e-3, steps: int = 20000) -> None:
    """Logistic regression of "same matter" on the training split's compared pairs; the
    weights printed are app/triage/embedding.py's (the category one times SAME_CATEGORY)."""
    from app.triage.embedding import SAME_CATEGORY

    pairs: list = []
    run(False, 0.0, pairs, "embedding")
    x = np.c_[np.array([f for f, _ in pairs]), np.ones(len(pairs))]
    y = np.array([same for _, same in pairs], dtype=float)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= x.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0.0]
    names = ("MEANING", "category (× SAME_CATEGORY)", "NEAR", "RECENT", "BIAS")
    print(f"{len(pairs)} training pairs, {int(y.sum())} of one matter")
    for name, weight in zip(names, w, strict=True):
        print(f"  {name}: {weight:.3f}")
    print(f"  category scale: SAME_CATEGORY {SAME_CATEGORY} → {w[1] * SAME_CATEGORY:.3f}")
    for minimum in np.arange(0.2, 0.7, 0.05):
        found = run(False, float(minimum), meaning="embedding")[:3]
        print(f"  min {minimum:.2f}:", figures(*found, "train"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="train", choices=("train", "heldout"))
    parser.add_argument("--old", action="store_true")
    parser.add_argument("--min", type=float, default=None)
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--fit", action="store_true", help="embedding: refit the duplicate score")
    parser.add_argument("--meaning", default="lexicon", choices=("lexicon", "embedding"))
    parser.add_argument(
        "--strip", type=float, default=0.0, help="drop this share of lexicon words (categories)"
    )
    parser.add_argument(
        "--corpus-weight",
        type=float,
        default=None,
        help="what a written corpus report counts in the fold models (0: left out)",
    )
    parser.add_argument("--hard", action="store_true", help="lexicon: the hard category term")
    parser.add_argument(
        "--temperature", type=float, default=None, help="lexicon: LIKELY_TEMPERATURE"
    )
    parser.add_argument(
        "--weights", default=None, help="lexicon: SAME_CATEGORY,SAME_TOP_LEVEL,OTHER_CATEGORY"
    )
    parser.add_argument("--mapping", default=None, help="lexicon: expected or soften")
    args = parser.parse_args()
    if args.mapping:
        from app.triage import duplicates

        duplicates.MAPPING = args.mapping
    global HARD
    HARD = args.hard
    if args.temperature is not None:
        from app.triage import categorise

        categorise.LIKELY_TEMPERATURE = args.temperature
    if args.weights:
        from app.triage import duplicates

        same, top, other = (float(x) for x in args.weights.split(","))
        duplicates.SAME_CATEGORY, duplicates.SAME_TOP_LEVEL = same, top
        duplicates.OTHER_CATEGORY = other
    if args.corpus_weight is not None:
        from app.triage import corpus

        corpus.CORPUS_WEIGHT = args.corpus_weight
    if args.fit:
        fit()
        return
    items, predicted, categories, cost = run(
        args.old, args.min, meaning=args.meaning, strip=args.strip
    )
    print(figures(items, predicted, categories, args.split), cost)
    if args.errors:
        from tests.triage.evalset import true_pairs

        by_key = {i.key: i for i in items}
        keys = {i.key for i in items if i.split == args.split}
        truth = {p for p in true_pairs(items) if p[0] in keys}
        for label, pairs in (
            ("missed", truth - predicted),
            ("wrong", {p for p in predicted if p[0] in keys} - truth),
        ):
            print(f"--- {label}: {len(pairs)}")
            for a, b in sorted(pairs)[:40]:
                print(f"  {by_key[a].description}\n  {by_key[b].description}\n")
        print("--- categories")
        for i in items:
            if (
                i.key in keys
                and (categories[i.key] or "").split(".")[0] != i.category.split(".")[0]
            ):
                print(f"  {i.category} ← {categories[i.key]}: {i.description}")


if __name__ == "__main__":
    main()
