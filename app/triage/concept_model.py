"""What a report's words say about its category: a softmax (multinomial logistic) regression over
the words app/triage/meaning.py reads (synonyms folded) and the concepts of
app/triage/category_words.py (so 「气罐」 counts where training only saw 「液化气」), trained on
the evaluation set's training split, the written corpus (app/triage/corpus.py) and the seeded
keywords. Kept as a small JSON file
(app/triage/data/concept_model.json), rebuilt (numpy, at training time only) with

    python -m app.triage.concept_model tests/data/triage_eval.jsonl

The embedding finder (app/triage/embedding.py) adds its log-odds to the sentence vector's:
on the held-out split that took the finder's top-level category from 0.804 to 0.840 (and its
duplicate precision and recall up with it, the category being part of a pair's score). Alone,
as the lexicon finder's model, it was right for 0.983 of the training split with each matter's
wordings held out in turn (naive Bayes: 0.815) but for only 0.629 of the held-out split
(naive Bayes: 0.670): the held-out wordings use words neither the training split nor the
concept lexicon has, and then the characters naive Bayes also reads are what is left. So the
lexicon finder keeps naive Bayes (app/triage/categorise.py) and adds the concepts to it as
features (held-out 0.789); bench/RESULTS.md has the figures.
"""

import json
import math
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.triage.category_words import CONCEPTS, concepts_in
from app.triage.meaning import PLACE_WEIGHT, matter_text, terms

MODEL = Path(__file__).with_name("data") / "concept_model.json"
# Chosen by cross-validation over the training split, each matter's wordings held out in turn
# (bench/triage_quality.py): L2 0.003–0.03 all within a report of each other; votes at 0.5
# beat 0, 0.25 and 1.
L2 = 0.01
STEPS = 400
SEED_VOTE = 0.5  # a seeded keyword's weight, in log-odds added to the model's
# Below this posterior (of the guess's top level) the guess is not offered: a person decides.
# The regularised model is modest: on the training split (wordings held out) no guess under
# 0.2 was wrong, so the bar only keeps out texts with next to nothing in them.
MIN_CONFIDENCE = 0.1
PRUNE = 0.01  # weights smaller than this are left out of the shipped file
CONCEPT = "概:"
_CONCEPT_WORDS = dict(CONCEPTS)


def features(text: str) -> list[str]:
    """The words that say what kind of matter it is (not the place, not numbers), then the
    concepts their wording names."""
    found = terms(text)
    words = [word for word, weight in found.weights.items() if weight > PLACE_WEIGHT]
    return words + [CONCEPT + name for name in concepts_in(matter_text(text))]


def train(documents: list[tuple], l2: float = L2, steps: int = STEPS) -> dict:
    """documents: (text, category code[, weight]); a weight (default 1) scales the document's
    share of the loss. Returns the model as plain data: per feature, its weight towards each
    category (small ones pruned), and each category's bias."""
    import numpy as np

    rows = [features(document[0]) for document in documents]
    vocabulary = sorted({f for row in rows for f in row})
    index = {f: i for i, f in enumerate(vocabulary)}
    codes = sorted({document[1] for document in documents})
    x = np.zeros((len(documents), len(vocabulary)))
    y = np.zeros((len(documents), len(codes)))
    for r, row in enumerate(rows):
        x[r, [index[f] for f in row]] = 1.0
        y[r, codes.index(documents[r][1])] = 1.0
    # Each row's share of the mean loss: its weight over the weights' mean, so the same
    # documents at weight 1 train exactly as before weights existed.
    share = np.array([document[2] if len(document) > 2 else 1.0 for document in documents])
    share = (share / share.mean())[:, None]
    w, b = np.zeros((len(vocabulary), len(codes))), np.zeros(len(codes))
    # Adam on the full batch: a few hundred documents, so a few hundred steps converge.
    moments = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
    for step in range(1, steps + 1):
        s = x @ w + b
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        error = share * (p - y)
        grads = (x.T @ error / len(documents) + l2 * w, error.mean(axis=0))
        for k, (param, grad) in enumerate(zip((w, b), grads, strict=True)):
            m, v = moments[2 * k], moments[2 * k + 1]
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    weights = {
        feature: {c: round(float(w[i, j]), 3) for j, c in enumerate(codes) if abs(w[i, j]) >= PRUNE}
        for feature, i in index.items()
    }
    return {
        "l2": l2,
        "codes": codes,
        "bias": {c: round(float(b[j]), 3) for j, c in enumerate(codes)},
        "weights": {f: per for f, per in weights.items() if per},
    }


@lru_cache(maxsize=1)
def model() -> "Linear":
    return Linear(json.loads(MODEL.read_text(encoding="utf-8")))


@dataclass
class Guess:
    code: str | None
    posterior: float = 0.0
    words: list[str] = field(default_factory=list)  # the words that pointed there most


class Linear:
    def __init__(self, data: dict) -> None:
        self.codes: list[str] = data["codes"]
        self.bias: dict[str, float] = data["bias"]
        self.weights: dict[str, dict[str, float]] = data["weights"]

    def known(self, text: str) -> list[str]:
        return [f for f in features(text) if f in self.weights]

    def scores(self, found: list[str]) -> dict[str, float]:
        scores = dict(self.bias)
        for feature in found:
            for code, weight in self.weights[feature].items():
                scores[code] += weight
        return scores

    def predict(self, text: str, votes: dict[str, float] | None = None) -> Guess:
        """The likeliest category — None when the text has no word the model knows and no
        keyword voted. `votes`: extra log-odds per category (the seeded keywords that fired)."""
        found = self.known(text)
        if not found and not votes:
            return Guess(None)
        scores = self.scores(found)
        for code, vote in (votes or {}).items():
            if code in scores:
                scores[code] += SEED_VOTE * vote
        best = max(scores, key=scores.__getitem__)
        return Guess(best, family_posterior(scores, best), self.telling(text, best, found))

    def telling(self, text: str, code: str, found: list[str] | None = None) -> list[str]:
        """The words of `text` that point to `code` most against the other categories, as
        written (a concept shows the word of it the text used): the reasons a cleaner reads."""
        found = self.known(text) if found is None else found
        lifts: dict[str, float] = {}
        written = terms(text).written
        rest = matter_text(text)
        for feature in found:
            per = self.weights[feature]
            if code not in self.codes:
                break
            others = sum(per.get(c, 0.0) for c in self.codes if c != code) / (len(self.codes) - 1)
            lift = per.get(code, 0.0) - others
            if feature.startswith(CONCEPT):
                words = _CONCEPT_WORDS[feature[len(CONCEPT) :]]
                shown = max((w for w in words if w in rest), key=len)
            else:
                shown = written.get(feature, feature)
            if lift > 0.3 and lift > lifts.get(shown, 0.0):
                lifts[shown] = lift
        telling = sorted(lifts, key=lifts.get, reverse=True)
        # A concept's word inside a word already shown (「漏」 in 「漏水」) says nothing more.
        shown_words: list[str] = []
        for word in telling:
            if not any(word in other or other in word for other in shown_words):
                shown_words.append(word)
        return shown_words[:3]


def family_posterior(scores: dict[str, float], best: str) -> float:
    """The probability that `best`'s top level is right (its own and its siblings' and
    parent's): what a cleaner routes by, and what a sub-category split between two children
    (邻里纠纷 / 噪音扰民) must not make look unsure."""
    top = best.split(".")[0]
    exps = {code: math.exp(s - scores[best]) for code, s in scores.items()}
    return sum(e for code, e in exps.items() if code.split(".")[0] == top) / sum(exps.values())


def _main(path: str) -> None:
    from app.triage.categorise import build_model

    build_model(path, MODEL, train)


if __name__ == "__main__":
    _main(sys.argv[1])
