"""Which category a report belongs to: the admins' rules where they fire, else what its words
say, learnt from reports cleaners have labelled.

The learnt part is a multinomial naive Bayes over the words app/triage/meaning.py reads (so
synonyms count as one word), trained on the evaluation set's training split and on the seeded
rule keywords (so a category that set lacks still has words). The model is a small JSON file
in the package (app/triage/data/category_model.json), rebuilt with

    python -m app.triage.categorise tests/data/triage_eval.jsonl
"""

import json
import math
import sys
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

from app.triage.meaning import PLACE_WEIGHT, terms

MODEL = Path(__file__).with_name("data") / "category_model.json"
SMOOTHING = 0.3
# Below this posterior the learnt guess is not offered: a person decides.
MIN_CONFIDENCE = 0.2


def features(text: str) -> list[str]:
    """The words that say what kind of matter it is: not the place, not numbers."""
    found = terms(text)
    return [word for word, weight in found.weights.items() if weight > PLACE_WEIGHT]


def train(documents: list[tuple[str, str]]) -> dict:
    """documents: (text, category code). Returns the model as plain data."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    docs: Counter[str] = Counter()
    for text, code in documents:
        counts[code].update(features(text))
        docs[code] += 1
    vocabulary = sorted({w for c in counts.values() for w in c})
    return {
        "smoothing": SMOOTHING,
        "vocabulary_size": len(vocabulary),
        "documents": dict(docs),
        "words": {code: dict(c) for code, c in sorted(counts.items())},
    }


@lru_cache(maxsize=1)
def model() -> "NaiveBayes":
    return NaiveBayes(json.loads(MODEL.read_text(encoding="utf-8")))


class NaiveBayes:
    def __init__(self, data: dict) -> None:
        alpha, size = data["smoothing"], data["vocabulary_size"]
        total_docs = sum(data["documents"].values())
        self.prior = {c: math.log(n / total_docs) for c, n in data["documents"].items()}
        self.log_p: dict[str, dict[str, float]] = {}
        self.unseen: dict[str, float] = {}
        for code, words in data["words"].items():
            total = sum(words.values()) + alpha * size
            self.log_p[code] = {w: math.log((n + alpha) / total) for w, n in words.items()}
            self.unseen[code] = math.log(alpha / total)
        self.known = {w for words in data["words"].values() for w in words}

    def predict(self, text: str) -> tuple[str | None, float, list[str]]:
        """(code, posterior, the words that pointed there most) — None when no word is known."""
        words = [w for w in features(text) if w in self.known]
        if not words:
            return None, 0.0, []
        scores = {
            code: self.prior[code]
            + sum(self.log_p[code].get(w, self.unseen[code]) for w in words)
            for code in self.log_p
        }
        best = max(scores, key=scores.__getitem__)
        top = max(scores.values())
        posterior = math.exp(scores[best] - top) / sum(math.exp(s - top) for s in scores.values())
        # The words most telling for the chosen category against the average of the others.
        def lift(word: str) -> float:
            mine = self.log_p[best].get(word, self.unseen[best])
            others = [self.log_p[c].get(word, self.unseen[c]) for c in self.log_p if c != best]
            return mine - sum(others) / len(others)

        telling = sorted({w for w in words if lift(w) > 1.0}, key=lift, reverse=True)[:3]
        written = terms(text).written
        return best, posterior, [written.get(w, w) for w in telling]


def suggest(rules, text: str) -> tuple[str | None, list[str]]:
    """The category and its reasons in Chinese: a rule that fires wins (「漏水」), else the
    learnt guess when it is confident enough (「用词相近：渗水、天花板」)."""
    code, reasons = rules.category(text)
    if code:
        return code, [f"规则：{reason}" for reason in reasons]
    guess, posterior, words = model().predict(text)
    if guess is None or posterior < MIN_CONFIDENCE:
        return None, []
    why = f"用词相近：{'、'.join(words)}" if words else "按已分类案件学得"
    return guess, [why, f"把握约 {round(posterior * 100)}%"]


def _main(path: str) -> None:
    from app.triage.seed import CATEGORY_KEYWORDS
    from tests.triage.evalset import load

    documents = [(i.description, i.category) for i in load(Path(path)) if i.split == "train"]
    documents += [(word, code) for code, _weight, words in CATEGORY_KEYWORDS for word in words]
    MODEL.parent.mkdir(exist_ok=True)
    MODEL.write_text(json.dumps(train(documents), ensure_ascii=False, sort_keys=True, indent=0))
    print(f"{len(documents)} documents → {MODEL} ({MODEL.stat().st_size} bytes)")


if __name__ == "__main__":
    _main(sys.argv[1])
