"""What pre-sorting's text work costs per report, before issue 15 and now (CPU, one process).

    python -m bench.triage_cost

For each report of the evaluation set: embed its text (never cached: it is new), suggest its
category, read its own text, and score it against the candidates intake would fetch (at a busy place, the cap:
DUPLICATE_MAX_CANDIDATES earlier reports, whose readings each process keeps cached). The
database work around it (one candidate query, the flood counts, the insert) is the same before
and after and is measured by bench/intake_bench.py.
"""

import statistics
import time

from app.config import Config
from bench.triage_quality import RADIUS_M, WINDOW_DAYS, old_score, seeded_ruleset
from tests.triage.evalset import load

CAP = int(Config.DUPLICATE_MAX_CANDIDATES)


def _old(rules, texts, candidates):
    from app.triage.similarity import fingerprint, similarity_of

    for text in candidates:
        fingerprint(text)  # cached, as in a running process
    times = []
    for text in texts:
        started = time.perf_counter()
        category = rules.category(text)[0]
        mine = fingerprint.__wrapped__(text)
        for other in candidates:
            old_score(similarity_of(mine, fingerprint(other)), category, None, 100.0)
        times.append(time.perf_counter() - started)
    return times


def _new(rules, texts, candidates):
    """As suggestions.compute does it: embed the new text once (never cached: it is new), its
    category from that vector, its reading, then the candidates' stored vectors (unpacked
    from their float16 bytes, as read from the database) in one matrix product."""
    import numpy as np

    from app.triage import meaning, semantic
    from app.triage.categorise import suggest
    from app.triage.duplicates import Side, score

    meaning.tokenizer()
    model = semantic.model()
    stored = [semantic.pack(semantic.embed(text)) for text in candidates]
    for text in candidates:
        meaning.terms(text)
    times = []
    for text in texts:
        started = time.perf_counter()
        vector = semantic.embed.__wrapped__(text)
        semantic.pack(vector)
        meaning.matter_text.__wrapped__(text)
        meaning.terms.__wrapped__(text)
        category = suggest(rules, text, vector=vector)[0]
        mine = Side(text, category)
        others = np.stack([semantic.unpack(data) for data in stored])
        for other, close in zip(candidates, model.closeness(vector, others).tolist(), strict=True):
            score(mine, Side(other, category), 100.0, RADIUS_M, 10.0, WINDOW_DAYS * 24, close)
        times.append(time.perf_counter() - started)
    return times


def _embedding_alone(texts):
    from app.triage import semantic

    started = time.perf_counter()
    for text in texts:
        semantic.embed.__wrapped__(text)
    return (time.perf_counter() - started) / len(texts)


def _uncached(texts):
    """The new reading of a text the process has not seen (the report just filed)."""
    from app.triage import meaning

    started = time.perf_counter()
    for text in texts:
        meaning.matter_text.__wrapped__(text)
        meaning.terms.__wrapped__(text)
    return (time.perf_counter() - started) / len(texts)


def main() -> None:
    items = load()
    rules = seeded_ruleset()
    texts = [i.description for i in items]
    from app.triage import meaning, semantic

    started = time.perf_counter()
    meaning.tokenizer()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    semantic.engine()
    semantic.model()
    model_s = time.perf_counter() - started
    # 4: about what a report meets in the evaluation set; CAP: a busy place.
    for count in (4, CAP):
        for name, run in (("before", _old), ("after", _new)):
            times = run(rules, texts, texts[-count:])
            print(
                f"{name:6}: per report, {count:3} candidates: "
                f"median {1000 * statistics.median(times):.2f} ms, "
                f"p90 {1000 * statistics.quantiles(times, n=10)[-1]:.2f} ms"
            )
    print(f"after : reading a new text (uncached) {1000 * _uncached(texts):.3f} ms")
    print(f"after : embedding a new text alone {1000 * _embedding_alone(texts):.2f} ms")
    print(f"after : jieba + lexicon load once per process {load_s:.2f} s")
    print(f"after : embedding model load once per process {model_s:.2f} s")


if __name__ == "__main__":
    main()
