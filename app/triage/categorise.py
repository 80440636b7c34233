"""Which category a report belongs to: an admin's own rules where they fire, else what its
words say, learnt from reports cleaners have labelled, with the seeded keyword rules as votes.

Rules an admin added or changed are the centre's policy and win whenever they fire. The seeded
keyword rules (app/triage/seed.py, unchanged by an admin) are the shipped default knowledge:
alone they were right for 4 reports in 5 of the training split, since a keyword says little
out of context (「物业也不管」 in a parking complaint), so they vote alongside the learnt model
instead of overruling it. `preamble` is that order, for both finders.

The learnt part is a multinomial naive Bayes over the words app/triage/meaning.py reads (so
synonyms count as one word), the characters and character pairs of the text without the
place (so a word the lexicon lacks still shares characters with one it has: 电单车 / 电动车),
and the concepts of app/triage/category_words.py its wording names (so 「气罐」 counts where
training only saw 「液化气」), trained on the evaluation set's training split, the written
corpus of app/triage/corpus.py (1,682 reports of every category, each counting twice; its
first 803 took the held-out category from 0.789 to 0.887) and the seeded keywords. A concept weighs
CONCEPT_WEIGHT features: a report has a handful of concepts against dozens of characters and
pairs, so at weight 1 they were drowned out. Where no concept word occurs the model is naive
Bayes over words and characters as before: that is why the concepts are added to it rather
than replacing it (the word-and-concept softmax of app/triage/concept_model.py, alone, lost
the characters and did worse on the held-out split). The model is a JSON file in the package
(app/triage/data/category_model.json, 835 KB), rebuilt with

    python -m app.triage.categorise tests/data/triage_eval.jsonl
"""

import json
import math
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from app.triage.category_words import concepts_in, written_word
from app.triage.lexicon import STOPWORDS
from app.triage.meaning import PLACE_WEIGHT, matter_text, terms
from app.triage.rules import RuleScan, rule_reading
from app.triage.seed import seeded_rules

MODEL = Path(__file__).with_name("data") / "category_model.json"
SMOOTHING = 0.1  # chosen by cross-validation over the training split's places
SEED_VOTE = 1.0  # a seeded keyword's weight, in log-odds
# Below this posterior the learnt guess is not offered: a person decides. Higher when no whole
# word is known, only characters: a guess from 「有事」 alone is noise.
MIN_CONFIDENCE = 0.2
MIN_CONFIDENCE_CHARS_ONLY = 0.6
SEEDED = frozenset(
    (r["kind"], r["match"], r["pattern"], r["target"], float(r["weight"])) for r in seeded_rules()
)
CHAR, PAIR, CONCEPT = "字:", "双:", "概:"
# How many features a concept counts as. Chosen on the training split (bench/RESULTS.md,
# 2026-12-01 h15e): accuracy rose from weight 1 to 4 and stayed within 0.03 from 4 to 8, with
# folds by wording, by voice, and with lexicon words dropped from the texts; the smallest
# weight on that plateau leaves the characters the most say where no concept word is used.
CONCEPT_WEIGHT = 4.0
# The few likeliest categories kept with a report's reading, so a later report's duplicate
# score can ask how likely the two are of one kind (app/triage/duplicates.py) without
# categorising the candidate again. The posterior is flattened by LIKELY_TEMPERATURE first:
# naive Bayes is overconfident (h15e: guesses shown as 99% sure were right 0.87 of the time
# with half the listed words gone), and a second-best category at 1e-6 would never count.
# 2 chosen on the training split's folds (bench/RESULTS.md, h22b): the smallest on the
# plateau (2–8) of the duplicate F1 averaged over folds by wording and with words stripped.
LIKELY_KEPT = 5
LIKELY_FLOOR = 0.01
LIKELY_TEMPERATURE = 2.0


def features(text: str, characters: bool = True) -> list[str]:
    """The words that say what kind of matter it is (not the place, not numbers) and the
    concepts they name, then (`characters`) its characters and character pairs."""
    found = terms(text)
    words = [word for word, weight in found.weights.items() if weight > PLACE_WEIGHT]
    rest = matter_text(text)
    words += [CONCEPT + name for name in concepts_in(rest)]
    if not characters:
        return words
    chars = {CHAR + c for c in rest if c not in STOPWORDS}
    pairs = {PAIR + rest[i : i + 2] for i in range(len(rest) - 1)}
    return words + sorted(chars) + sorted(pairs)


def weight(feature: str) -> float:
    return CONCEPT_WEIGHT if feature.startswith(CONCEPT) else 1.0


def train(documents: list[tuple]) -> dict:
    """documents: (text, category code[, weight]); a weight (default 1) scales what the
    document adds to its category's counts. Returns the model as plain data."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    docs: Counter[str] = Counter()
    for text, code, *rest in documents:
        share = rest[0] if rest else 1.0
        counts[code].update({f: share for f in features(text)})
        docs[code] += share
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
        # Per feature, a row of its lift over unseen in each category (0 where a category never
        # saw it): a report's scores are then one sum of its features' rows. With the written
        # corpus a feature is seen by ~8 categories, not ~3, and a loop over those pairs in
        # Python cost +0.02 ms per report; the rows cost 16,000 × 30 floats (~4 MB).
        self.codes = list(self.log_p)
        self.index = {code: j for j, code in enumerate(self.codes)}
        self.row = {word: i for i, word in enumerate(sorted(self.known))}
        self.lifts = np.zeros((len(self.row), len(self.codes)))
        # A concept's lift is CONCEPT_WEIGHT times its own, applied here once for all reports.
        for j, (code, words) in enumerate(self.log_p.items()):
            for word, log_p in words.items():
                self.lifts[self.row[word], j] = weight(word) * (log_p - self.unseen[code])
        self.priors = np.array([self.prior[code] for code in self.codes])
        self.unseens = np.array([self.unseen[code] for code in self.codes])
        # Per word (not characters), log P(word | category) summed over every category: how
        # telling a word is for one category against the rest is then one subtraction.
        unseen_total = sum(self.unseen.values())
        self.summed: dict[str, float] = {}
        for code, words in self.log_p.items():
            for word, log_p in words.items():
                if not word.startswith((CHAR, PAIR)):
                    self.summed[word] = self.summed.get(word, unseen_total) + (
                        log_p - self.unseen[code]
                    )

    def predict(
        self, text: str, votes: dict[str, float] | None = None
    ) -> tuple[str | None, float, list[str]]:
        """(code, posterior, the words that pointed there most) — None when nothing is known.
        `votes`: extra log-odds per category (the seeded keyword rules that fired)."""
        return self.predict_likely(text, votes)[:3]

    def predict_likely(
        self, text: str, votes: dict[str, float] | None = None
    ) -> tuple[str | None, float, list[str], tuple[tuple[str, float], ...]]:
        """As predict, and the likeliest categories with their (flattened) probabilities."""
        votes = votes or {}
        row = self.row  # every known feature has a row
        found = [f for f in features(text) if f in row]
        if not found and not votes:
            return None, 0.0, [], ()
        concepts = len([f for f in found if f.startswith(CONCEPT)])
        counted = len(found) + (CONCEPT_WEIGHT - 1.0) * concepts
        rows = np.fromiter(map(row.__getitem__, found), dtype=np.intp, count=len(found))
        scores = self.priors + counted * self.unseens + self.lifts[rows].sum(axis=0)
        for code, vote in votes.items():
            if code in self.index:
                scores[self.index[code]] += SEED_VOTE * vote
        at = int(np.argmax(scores))
        best = self.codes[at]
        posterior = float(1.0 / np.exp(scores - scores[at]).sum())
        # The words (not characters) most telling for that category against the others.
        lifts = {}
        others = len(self.log_p) - 1
        for word in found:
            if word in self.summed:
                own = self.log_p[best].get(word, self.unseen[best])
                lifts[word] = own - (self.summed[word] - own) / others
        telling = sorted((w for w, lift in lifts.items() if lift > 1.0), key=lifts.get)[::-1]
        return best, posterior, shown(text, telling, most=3), self.likely(scores)

    def likely(self, scores: np.ndarray) -> tuple[tuple[str, float], ...]:
        """The LIKELY_KEPT likeliest categories at or above LIKELY_FLOOR, by the posterior
        flattened by LIKELY_TEMPERATURE; what is left out counts as some other category."""
        flat = np.exp((scores - scores.max()) / LIKELY_TEMPERATURE)
        total = float(flat.sum())
        kept = np.flatnonzero(flat >= LIKELY_FLOOR * total)  # mostly one: the guess is sure
        if len(kept) > LIKELY_KEPT:
            kept = kept[np.argsort(-flat[kept])[:LIKELY_KEPT]]
        ranked = sorted(((float(flat[j]) / total, j) for j in kept), reverse=True)
        return tuple((self.codes[j], round(p, 3)) for p, j in ranked)


def shown(text: str, telling: list[str], most: int) -> list[str]:
    """The first `most` telling words as the text wrote them, a concept as its word in the
    text; a word inside one already shown (「漏」 in 「漏水」) says nothing more and is left
    out. Stops at `most`: a sure guess has a dozen telling words, and a word after the first
    few shown cannot change which those are."""
    written = terms(text).written
    rest = matter_text(text)
    out: list[str] = []
    for feature in telling:
        if len(out) == most:
            break
        if feature.startswith(CONCEPT):
            word = written_word(rest, feature[len(CONCEPT) :])
        else:
            word = written.get(feature, feature)
        if not any(word in other or other in word for other in out):
            out.append(word)
    return out


def is_seeded(rule) -> bool:
    return (rule.kind, rule.match, rule.pattern, rule.target, float(rule.weight)) in SEEDED


def _split(rules):
    """(the admins' own category rules as a rule set, a scan of the seeded ones), kept on the
    rule set: it is loaded once per process and reloaded when the table changes."""
    split = getattr(rules, "_by_origin", None)
    if split is None:
        own = [r for r in rules.category_rules if not is_seeded(r)]
        seeded = [r for r in rules.category_rules if is_seeded(r)]
        split = (type(rules)(own, []), RuleScan(seeded))
        rules._by_origin = split
    return split


@dataclass
class Preamble:
    """What the rules say before any model: an admin's rule that fired (`code`, `reasons`),
    or else the seeded keywords' votes per category and the keywords that cast them."""

    code: str | None = None
    reasons: list[str] = field(default_factory=list)
    votes: dict[str, float] = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)


def preamble(rules, text: str) -> Preamble:
    """An admin's own rule that fires wins (「规则：「漏水」」); else the seeded rules vote."""
    own, seeded = _split(rules)
    if own.category_rules:
        code, reasons = own.category(text)
        if code:
            return Preamble(code, [f"规则：{reason}" for reason in reasons])
    normalised, counted = rule_reading(text)
    said = Preamble()
    for found in seeded.fired(normalised, counted):
        rule = found.rule
        said.votes[rule.target] = said.votes.get(rule.target, 0.0) + rule.weight
        said.keywords.setdefault(rule.target, []).append(found.reason)
    return said


def reasons(guess, said: Preamble, lead: list[str] | None = None) -> list[str]:
    """A guess's reasons in Chinese (`guess` has .code, .posterior, .words): `lead` (the
    finder's own), the telling words, the seeded keywords that agreed, and how sure
    (「用词相近：渗水、天花板」「关键词：「漏水」」「把握约 90%」)."""
    why = list(lead or [])
    if guess.words:
        why.append(f"用词相近：{'、'.join(guess.words)}")
    if said.keywords.get(guess.code):
        why.append(f"关键词：{'、'.join(said.keywords[guess.code])}")
    return [*(why or ["按已分类案件学得"]), f"把握约 {min(99, round(guess.posterior * 100))}%"]


def suggest(rules, text: str, learnt: "NaiveBayes | None" = None) -> tuple[str | None, list[str]]:
    """The category and its reasons in Chinese: an admin's own rule that fires wins
    (「规则：「漏水」」); else the learnt model with the seeded keywords voting
    (「用词相近：渗水、天花板」「关键词：「漏水」」)."""
    return suggest_likely(rules, text, learnt)[:2]


def suggest_likely(
    rules, text: str, learnt: "NaiveBayes | None" = None
) -> tuple[str | None, list[str], tuple[tuple[str, float], ...]]:
    """As suggest, and the likeliest categories with their probabilities (NaiveBayes.likely):
    an admin's rule that fired is a certainty; a guess too unsure to offer still says which
    categories it hesitated between (empty when nothing was known)."""
    said = preamble(rules, text)
    if said.code:
        return said.code, said.reasons, ((said.code, 1.0),)
    learnt = learnt or model()
    code, posterior, words, likely = learnt.predict_likely(text, said.votes)
    knows_a_word = said.votes or any(w in learnt.known for w in features(text, characters=False))
    if code is None or posterior < (MIN_CONFIDENCE if knows_a_word else MIN_CONFIDENCE_CHARS_ONLY):
        return None, [], likely
    why = reasons(SimpleNamespace(code=code, posterior=posterior, words=words), said)
    return code, why, likely


def documents(
    labelled: list[tuple[str, str]], corpus_weight: float | None = None
) -> list[tuple[str, str, float]]:
    """What the models learn from, as (text, code, weight): labelled reports, the written
    corpus (app/triage/corpus.py, `corpus_weight` each), and each seeded keyword as a tiny
    report."""
    from app.triage.corpus import weighted
    from app.triage.seed import CATEGORY_KEYWORDS

    seeds = [(word, code, 1.0) for code, _weight, words in CATEGORY_KEYWORDS for word in words]
    return weighted(labelled, corpus_weight) + seeds


def build_model(path: str, model: Path, fit) -> None:
    """Fit a category model on the evaluation set's training split (with the written corpus
    and the seeded keywords) and write it where the finder loads it from: this model's builder
    and the concept model's."""
    from tests.triage.evalset import load

    labelled = [(i.description, i.category) for i in load(Path(path)) if i.split == "train"]
    documents_ = documents(labelled)
    model.parent.mkdir(exist_ok=True)
    model.write_text(json.dumps(fit(documents_), ensure_ascii=False, sort_keys=True, indent=0))
    print(f"{len(documents_)} documents → {model} ({model.stat().st_size} bytes)")


def _main(path: str) -> None:
    build_model(path, MODEL, train)


if __name__ == "__main__":
    _main(sys.argv[1])
