"""What a report is about, as weighted words: segmented, synonyms folded, place names muted.

Chinese has no spaces, so words come from jieba's segmenter (its dictionary ships in the
package and loads offline). Words that mean the same thing (app/triage/lexicon.py) are folded
to one; each word weighs by how rare it is in jieba's general-language frequencies, so 漏水
counts for more than 一直; and words that only name the place count for little, since the
distance between two reports already says whether they are at the same place.
"""

import json
import logging
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from app.triage.lexicon import PLACE_RE, STOPWORDS, SYNONYMS

PLACE_WEIGHT = 0.15  # a place's share of a word's weight
NUMBER_WEIGHT = 0.3
_WORDY = re.compile(r"[0-9a-z\u3400-\u9fff]+")
_NUMBERS = re.compile(r"^[0-9一二三四五六七八九十百千万两几多]+$")
CANONICAL = {word: group[0] for group in SYNONYMS for word in group}

_lock = threading.Lock()
_tokenizer = None


def _jieba_tokenizer():
    """jieba's Tokenizer, its two loops per character (`get_DAG`: the words starting at each
    character; `calc`: the likeliest route through them) written with the dictionary looked
    up once per fragment and no generator where a character starts one word only, as most
    do: the same lookups and the same sums in the same order, so the same cut, for less CPU
    per report (issue 19; tests/triage/test_meaning.py compares them with jieba's own)."""
    import jieba

    class Tokenizer(jieba.Tokenizer):
        def get_DAG(self, sentence):
            self.check_initialized()
            look_up = self.FREQ.get
            n = len(sentence)
            dag = {}
            for k in range(n):
                ends = []
                i = k
                count = look_up(sentence[k])
                while i < n and count is not None:
                    if count:
                        ends.append(i)
                    i += 1
                    count = look_up(sentence[k : i + 1])
                dag[k] = ends or [k]
            return dag

        def calc(self, sentence, DAG, route):
            n = len(sentence)
            route[n] = (0, 0)
            logtotal = math.log(self.total)
            look_up, log = self.FREQ.get, math.log
            for idx in range(n - 1, -1, -1):
                ends = DAG[idx]
                if len(ends) == 1:
                    x = ends[0]
                    route[idx] = (
                        log(look_up(sentence[idx : x + 1]) or 1) - logtotal + route[x + 1][0],
                        x,
                    )
                else:
                    route[idx] = max(
                        (log(look_up(sentence[idx : x + 1]) or 1) - logtotal + route[x + 1][0], x)
                        for x in ends
                    )

    return Tokenizer()


def tokenizer():
    """jieba's tokenizer with the lexicon's words added, built once per process (about 1 s:
    jieba reads its 5 MB dictionary, from its own cache file after the first time)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                built = _jieba_tokenizer()
                built.initialize()
                for word in CANONICAL:
                    if len(word) > 1:
                        built.add_word(word, freq=max(built.FREQ.get(word, 0), 2000))
                _tokenizer = built
    return _tokenizer


@lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """log(1/p) of the word in jieba's frequencies, 0…1: common words weigh little."""
    cut = tokenizer()
    freq = cut.FREQ.get(word) or 0
    if freq <= 0:
        # Unknown to the dictionary: as rare as a rare word, less if it is one character.
        return 0.7 if len(word) > 1 else 0.4
    return min(1.0, max(0.05, (math.log(cut.total / freq) - 6.0) / 10.0))


@dataclass(frozen=True)
class Terms:
    """A text's words: weight per folded word, the words as written, and the weights' norm."""

    weights: dict[str, float]
    written: dict[str, str]
    norm: float
    # The report's likeliest categories when it was sorted, as (code, probability): kept with
    # the reading so a later report's duplicate score need not categorise it again. None for
    # a reading of a bare text, or one stored before the categories were kept with it.
    likely: tuple[tuple[str, float], ...] | None = None


def _words(text: str) -> list[tuple[str, bool]]:
    """(word, names a place) in order; place spans stay whole."""
    out: list[tuple[str, bool]] = []
    cut = tokenizer()
    for run in _WORDY.findall(text):
        last = 0
        for place in PLACE_RE.finditer(run):
            out += [(w, False) for w in cut.cut(run[last : place.start()], HMM=False)]
            out.append((place.group(0), True))
            last = place.end()
        out += [(w, False) for w in cut.cut(run[last:], HMM=False)]
    return out


@lru_cache(maxsize=8192)
def matter_text(text: str) -> str:
    """The text without what names the place, punctuation folded away."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(PLACE_RE.sub("", run) for run in _WORDY.findall(text))


@lru_cache(maxsize=8192)
def terms(text: str) -> Terms:
    """Kept per process: a place's recent reports are compared with every new one there."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    weights: dict[str, float] = {}
    written: dict[str, str] = {}
    for word, is_place in _words(text):
        if word in STOPWORDS or not word.strip():
            continue
        folded = CANONICAL.get(word, word)
        if is_place:
            weight = PLACE_WEIGHT
        elif _NUMBERS.match(word):
            weight = NUMBER_WEIGHT * 0.5
        elif folded != word or word in CANONICAL:
            weight = max(rarity(word), 0.6)  # a lexicon word is a word about the matter
        else:
            weight = rarity(word)
        if weight > weights.get(folded, 0.0):
            weights[folded] = weight
            written[folded] = word
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return Terms(weights, written, norm)


def stored(reading: Terms, likely: tuple[tuple[str, float], ...] | None = None) -> dict:
    """A reading as JSON to keep with the report (written forms only where they differ), with
    its likeliest categories (`likely`, key "c") when the category step gave them."""
    data = {
        "w": {word: round(weight, 3) for word, weight in reading.weights.items()},
        "s": {word: shown for word, shown in reading.written.items() if shown != word},
    }
    if likely is not None:
        data["c"] = [[code, p] for code, p in likely]
    return data


def from_stored(data: dict) -> Terms:
    weights = {word: float(weight) for word, weight in data["w"].items()}
    written = {word: data["s"].get(word, word) for word in weights}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    kept = data.get("c")  # absent in readings stored before the categories were kept
    likely = tuple((code, float(p)) for code, p in kept) if kept is not None else None
    return Terms(weights, written, norm, likely)


def reading_from_text(text: str | None) -> Terms | None:
    """A stored reading from the database's text of it; None when there is none."""
    return _from_stored_text(text) if text else None


@lru_cache(maxsize=8192)
def _from_stored_text(text: str) -> Terms | None:
    """A stored reading as the database's text of it, kept per process: every report filed at
    a busy place is scored against the same few hundred neighbours, whose readings would
    otherwise be decoded and rebuilt for each one. Keyed by the exact text, so a reading that
    was stored again differently is a different key: the cache cannot answer with an old one.
    (Terms are shared between callers: nothing changes them.)"""
    data = json.loads(text)  # JSON's null when stored as None, as the column allows
    return from_stored(data) if data else None


def similarity(a: Terms, b: Terms) -> float:
    """Cosine of the weighted words, 0…1."""
    if not a.norm or not b.norm:
        return 0.0
    small, large = (a, b) if len(a.weights) < len(b.weights) else (b, a)
    # Only the shared words, in the same order: the same sum (a word not shared adds 0.0),
    # a quarter less CPU for the hundreds of pairs a busy place scores per report.
    weights = large.weights
    dot = sum([w * weights[word] for word, w in small.weights.items() if word in weights])
    return min(1.0, dot / (a.norm * b.norm))


def shared_words(a: Terms, b: Terms, most: int = 3) -> list[str]:
    """The shared words that weigh most, as written (「渗水≈漏水」 when the two reports used
    different words for one thing); not the place, which the distance already says."""
    shared = sorted(
        ((a.weights[w] * b.weights[w], w) for w in a.weights.keys() & b.weights.keys()),
        reverse=True,
    )
    shown = []
    for _, word in shared:
        if a.weights[word] <= PLACE_WEIGHT or b.weights[word] <= PLACE_WEIGHT:
            continue
        mine, theirs = a.written[word], b.written[word]
        shown.append(mine if mine == theirs else f"{theirs}≈{mine}")
        if len(shown) == most:
            break
    return shown
