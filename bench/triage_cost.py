"""What pre-sorting's text work costs per report: character n-grams (before issue 15), the word
lexicon with naive Bayes (the default finder), sentence vectors (the opt-in embedding finder,
TRIAGE_MEANING=embedding). CPU time of this process (the embedding runs on one thread), so
other work on a shared machine counts less.

    python -m bench.triage_cost [--meaning lexicon|embedding|both]

`lexicon` (default): n-grams and the lexicon; `embedding`: n-grams and the embedding finder;
`both`: all three. For each report of the evaluation set: (embedding: embed its text, never
cached: it is new), suggest its category, read its own text, and score it against the
candidates intake would fetch (at a busy place, the cap: DUPLICATE_MAX_CANDIDATES earlier
reports, whose readings each process keeps cached; their vectors are read as stored, float16
bytes). The database work around it
(one candidate query, the flood counts, the insert) is the same before and after and is
measured by bench/intake_bench.py.
"""

import argparse
import statistics
import time

from app.config import Config
from bench.triage_quality import RADIUS_M, WINDOW_DAYS, old_score, seeded_ruleset
from tests.triage.evalset import load

CAP = int(Config.DUPLICATE_MAX_CANDIDATES)
HARD = False  # --hard: the category term of the two guesses alone, as before h22b
clock = time.process_time


def _old(rules, texts, candidates):
    from app.triage.similarity import fingerprint, similarity_of

    for text in candidates:
        fingerprint(text)  # cached, as in a running process
    times = []
    for text in texts:
        started = clock()
        category = rules.category(text)[0]
        mine = fingerprint.__wrapped__(text)
        for other in candidates:
            old_score(similarity_of(mine, fingerprint(other)), category, None, 100.0)
        times.append(clock() - started)
    return times


def _lexicon(rules, texts, candidates):
    """The default finder: weighted words compared by cosine, naive Bayes with the seeded
    keywords voting (app/triage/duplicates.py, categorise.py)."""
    from app.triage import meaning
    from app.triage.categorise import suggest_likely
    from app.triage.duplicates import Side, score

    meaning.tokenizer()
    for text in candidates:
        meaning.terms(text)
    # Each candidate's own category and likeliest categories, as kept with its stored reading.
    kept = {text: suggest_likely(rules, text) for text in candidates}
    times = []
    for text in texts:
        started = clock()
        meaning.matter_text.__wrapped__(text)  # the new report's own text is never cached
        meaning.terms.__wrapped__(text)
        category, _, likely = suggest_likely(rules, text)
        mine = Side(text, category, likely=None if HARD else likely)
        for other in candidates:
            code, _, theirs = kept[other]
            score(
                mine,
                Side(other, code, likely=None if HARD else theirs),
                100.0,
                RADIUS_M,
                10.0,
                WINDOW_DAYS * 24,
            )
        times.append(clock() - started)
    return times


def _embedding(rules, texts, candidates):
    """The opt-in finder as suggestions.compute runs it: embed the new text once (never
    cached: it is new), its category from that vector, its reading, then the candidates'
    stored vectors (unpacked from their float16 bytes, as read from the database) in one
    matrix product."""
    import numpy as np

    from app.triage import meaning, semantic
    from app.triage.duplicates import Side
    from app.triage.embedding import score, suggest

    meaning.tokenizer()
    model = semantic.model()
    stored = [semantic.pack(semantic.embed(text)) for text in candidates]
    for text in candidates:
        meaning.terms(text)
    times = []
    for text in texts:
        started = clock()
        vector = semantic.embed.__wrapped__(text)
        semantic.pack(vector)
        meaning.matter_text.__wrapped__(text)
        meaning.terms.__wrapped__(text)
        category = suggest(rules, text, vector=vector)[0]
        mine = Side(text, category)
        others = np.stack([semantic.unpack(data) for data in stored])
        for other, close in zip(candidates, model.closeness(vector, others).tolist(), strict=True):
            score(mine, Side(other, category), 100.0, RADIUS_M, 10.0, WINDOW_DAYS * 24, close)
        times.append(clock() - started)
    return times


def _embedding_alone(texts):
    from app.triage import semantic

    started = clock()
    for text in texts:
        semantic.embed.__wrapped__(text)
    return (clock() - started) / len(texts)


def _uncached(texts):
    """The new reading of a text the process has not seen (the report just filed)."""
    from app.triage import meaning

    started = clock()
    for text in texts:
        meaning.matter_text.__wrapped__(text)
        meaning.terms.__wrapped__(text)
    return (clock() - started) / len(texts)


def _category(rules, texts):
    """The lexicon finder's category of a text the process has not seen, its reading included
    (the caches emptied before each pass): median over 9 passes of the mean per text."""
    from app.triage import category_words, meaning
    from app.triage.categorise import suggest

    passes = []
    for _ in range(9):
        meaning.terms.cache_clear()
        meaning.matter_text.cache_clear()
        getattr(category_words.concepts_in, "cache_clear", lambda: None)()
        started = clock()
        for text in texts:
            suggest(rules, text)
        passes.append((clock() - started) / len(texts))
    return statistics.median(passes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meaning", default="lexicon", choices=("lexicon", "embedding", "both"))
    parser.add_argument("--hard", action="store_true", help="lexicon: the hard category term")
    args = parser.parse_args()
    global HARD
    HARD = args.hard
    lexicon, embedding = args.meaning in ("lexicon", "both"), args.meaning in ("embedding", "both")
    items = load()
    rules = seeded_ruleset()
    texts = [i.description for i in items]
    from app.triage import meaning

    started = clock()
    meaning.tokenizer()
    load_s = clock() - started
    if embedding:
        from app.triage import semantic

        started = clock()
        semantic.engine()
        semantic.model()
        model_s = clock() - started
    runs = [("n-grams", _old)]
    runs += [("lexicon", _lexicon)] if lexicon else []
    runs += [("embedding", _embedding)] if embedding else []
    # 4: about what a report meets in the evaluation set; CAP: a busy place.
    for count in (4, CAP):
        for name, run in runs:
            times = run(rules, texts, texts[-count:])
            print(
                f"{name:9}: per report, {count:3} candidates: "
                f"median {1000 * statistics.median(times):.2f} ms, "
                f"p90 {1000 * statistics.quantiles(times, n=10)[-1]:.2f} ms"
            )
    print(f"reading a new text's words (jieba, uncached) {1000 * _uncached(texts):.3f} ms")
    if lexicon:
        print(f"reading and categorising a new text {1000 * _category(rules, texts):.3f} ms")
    print(f"jieba + lexicon load once per process {load_s:.2f} s")
    if embedding:
        print(f"embedding a new text alone {1000 * _embedding_alone(texts):.2f} ms")
        print(f"embedding model load once per process {model_s:.2f} s")


if __name__ == "__main__":
    main()
