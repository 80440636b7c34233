"""Figures of the triage evaluation set without a database, for tuning and for the record.

    python -m bench.triage_quality [--split train|heldout] [--old]

Replays the set in time order as intake would (the same radius, window and cap on the
candidates, the same scoring functions as app/triage/suggestions.py) and prints precision and
recall of duplicate pairs and top-level category accuracy. `--old` scores with the character
n-gram finder and the keyword rules alone, as before issue 15. Tune on `train` only; the
held-out split is for the record (tests/triage/test_quality.py asserts its targets through
intake on both databases).
"""

import argparse
import time
from types import SimpleNamespace

from app.core.coords import haversine_m
from app.triage.rules import RuleSet
from app.triage.seed import seeded_rules
from tests.triage.evalset import figures, load

RADIUS_M, WINDOW_DAYS, MAX_DUPLICATES = 300.0, 7.0, 5
FOLDS = 5


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


def run(old: bool, minimum: float | None = None):
    items = load()
    rules = seeded_ruleset()
    if old:
        categorise = lambda text: old_category(rules, text)  # noqa: E731
    else:
        from app.triage.categorise import NaiveBayes, documents, suggest, train

        # The shipped model learnt from the whole training split: for a training report,
        # use a model that has not seen its place (5 folds by place), or the figures flatter.
        places = sorted({i.matter.split("/")[0] for i in items if i.split == "train"})
        fold_of = {place: n % FOLDS for n, place in enumerate(places)}
        learnt = {
            fold: NaiveBayes(
                train(
                    documents(
                        [
                            (i.description, i.category)
                            for i in items
                            if i.split == "train" and fold_of[i.matter.split("/")[0]] != fold
                        ]
                    )
                )
            )
            for fold in range(FOLDS)
        }

        def categorise(item):
            fold = fold_of.get(item.matter.split("/")[0])
            return suggest(rules, item.description, learnt.get(fold))[0]

    started = time.perf_counter()
    reports = []
    for item in items:
        suggested = categorise(item) if not old else categorise(item.description)
        reports.append(
            {
                "key": item.key,
                "text": item.description,
                "at": item.at,
                "lon": item.lon,
                "lat": item.lat,
                "suggested": suggested,
                "category": item.given_category or suggested,
            }
        )
    categorised = time.perf_counter()
    if old:
        from app.triage.similarity import fingerprint, similarity_of

        def scorer(mine, other, distance, hours):
            text = similarity_of(fingerprint(mine["text"]), fingerprint(other["text"]))
            return old_score(text, mine["category"], other["category"], distance)

        minimum = 0.32 if minimum is None else minimum
    else:
        from app.triage.duplicates import Side, score

        def scorer(mine, other, distance, hours):
            return score(
                Side(mine["text"], mine["category"]),
                Side(other["text"], other["category"]),
                distance,
                RADIUS_M,
                hours,
                WINDOW_DAYS * 24,
            )

        if minimum is None:
            from app.config import Config

            minimum = Config.DUPLICATE_MIN_SCORE
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="train", choices=("train", "heldout"))
    parser.add_argument("--old", action="store_true")
    parser.add_argument("--min", type=float, default=None)
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    items, predicted, categories, cost = run(args.old, args.min)
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
