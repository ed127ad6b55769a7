"""Labelling answers with a model: the 3-way class, the fine label, the confidence and the evidence sentence.

The model of a language is built once per process: the shipped arrays when their fingerprint matches the labels and
settings (for all labels, and for the train split behind the held-out figures), else (labels changed without
re-export) trained here from the labels. The evidence of an answer is the
sentence that decided it: the first sentence carrying a cue for the predicted label, else the sentence the model
scores highest for it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...model import CLARITY_LABELS, FINE_LABELS, FINE_TO_CLARITY
from .classifier import ClarityModel, load_model, settings_for
from .cues import canonical, cue_evidence, norm
from .labels import labelled
from .training import train

__all__ = ["ClarityResult", "classify", "classify_pairs", "decide", "method_name", "model", "predict_rows"]

#: the splits whose model is shipped beside the one on all labels
SHIPPED_SPLITS = ("train",)

_CACHE: dict[tuple[str, str], ClarityModel] = {}
_LOCK = threading.Lock()


def model(split: str | None = None, lang: str = "en") -> ClarityModel:
    """The ``lang`` model trained on the shipped labels of ``split`` (None: all of them), once per process.

    The fitted parameters shipped in ``model_file(lang, split)`` are used when their fingerprint matches the labels
    and settings; otherwise (labels changed without re-export, or a split that is not shipped) the model is trained
    here."""
    key = (split or "all", lang)
    with _LOCK:
        if key not in _CACHE:
            m = load_model(lang=lang, split=split) if split in (None, *SHIPPED_SPLITS) else None
            _CACHE[key] = m if m is not None else train(labelled(lang, split=split), settings_for(lang))
        return _CACHE[key]


@dataclass(frozen=True, slots=True)
class ClarityResult:
    """The clarity of one answer."""

    clarity: str
    fine: str
    confidence: float
    evidence: str | None
    probs: dict[str, float]
    method: str


def decide(probs: dict[str, float]) -> tuple[str, str, float]:
    """The 3-way class is the one with the most probability mass; the fine label the likeliest inside it."""
    mass = {c: 0.0 for c in CLARITY_LABELS}
    for fine, p in probs.items():
        mass[FINE_TO_CLARITY[fine]] += p
    clarity = max(CLARITY_LABELS, key=lambda c: mass[c])
    fine = max((f for f in FINE_LABELS if FINE_TO_CLARITY[f] == clarity), key=lambda f: probs.get(f, 0.0))
    return clarity, fine, mass[clarity]


def method_name(lang: str = "en") -> str:
    """The method recorded with each annotation of ``lang`` answers."""
    return "tfidf-cues-logreg" if lang == "en" else f"tfidf-cues-{lang}-logreg"


#: sentences per answer the model scores when no cue decides the evidence (openings carry the decision)
_EVIDENCE_SENTENCES = 12

#: (clarity, fine label, confidence, probability of every fine label) of one answer
_Decision = tuple[str, str, float, dict[str, float]]


def _decisions(m: ClarityModel, pairs: list[tuple[str, str]]) -> dict[int, _Decision]:
    """The decision for each pair (by index) that has an answer."""
    todo = [i for i, (_, a) in enumerate(pairs) if a.strip()]
    probs = m.proba([pairs[i] for i in todo]) if todo else []
    decided: dict[int, _Decision] = {}
    for i, row in zip(todo, probs, strict=True):
        # every label is named, with 0 for one the model never saw in training (Chinese Clarification)
        p = dict.fromkeys(FINE_LABELS, 0.0) | {c: float(v) for c, v in zip(m.classes, row, strict=True)}
        clarity, fine, conf = decide(p)
        decided[i] = (clarity, fine, conf, p)
    return decided


def _evidence(m: ClarityModel, pairs: list[tuple[str, str]], decided: dict[int, _Decision],
              lang: str) -> dict[int, str | None]:
    """A cue sentence for each predicted label, else the sentence the model scores highest for it; all such
    sentences of the batch are scored in one call."""
    evid: dict[int, str | None] = {}
    pending: list[tuple[int, list[str]]] = []
    for i, (_, fine, _, _) in decided.items():
        sents, ev = cue_evidence(pairs[i][1], fine, lang)
        if ev is None and sents:
            pending.append((i, sents[:_EVIDENCE_SENTENCES]))
        evid[i] = ev
    flat = [s for _, sents in pending for s in sents]
    if flat:
        # a sentence's score is what its words add to the predicted label in the linear model: cheap, and it
        # points at the words that decided the label
        scores = m.word.transform([norm(s) for s in flat]) @ m.word_weight_columns
        k = 0
        for i, sents in pending:
            evid[i] = sents[int(scores[k : k + len(sents), m.classes.index(decided[i][1])].argmax())]
            k += len(sents)
    return evid


def classify_pairs(pairs: Sequence[tuple[str, str]], lang: str, split: str | None = None,
                   evidence: bool = True) -> list[ClarityResult]:
    """The clarity of (question, answer) pairs in ``lang``, in order, by the model trained on ``split`` (None: the
    shipped one); a pair without an answer gets an empty result with method "no-answer"."""
    lang = "zh" if lang == "zh" else "en"
    pairs = [(canonical(q, lang), canonical(a, lang)) for q, a in pairs]
    m = model(split, lang)
    decided = _decisions(m, pairs)
    evid = _evidence(m, pairs, decided, lang) if evidence else {}
    out: list[ClarityResult] = []
    for i in range(len(pairs)):
        if i not in decided:
            out.append(ClarityResult("", "", 0.0, None, {}, "no-answer"))
            continue
        clarity, fine, conf, p = decided[i]
        out.append(ClarityResult(clarity, fine, round(conf, 3), evid.get(i), {k: round(v, 4) for k, v in p.items()},
                                 method_name(lang)))
    return out


def classify(question: str, answer: str, lang: str = "en") -> tuple[str, str, float, str | None]:
    """(clarity, fine label, confidence, evidence sentence) for one question and its answer.

    >>> classify("What are the goals of the meeting?", "I suggest you follow our updates.")[:2]
    ('Clear Non-Reply', 'Declining to answer')
    """
    r = classify_pairs([(question, answer)], "zh" if lang == "zh" else "en")[0]
    return r.clarity, r.fine, r.confidence, r.evidence


def predict_rows(rows: Sequence[dict[str, Any]], lang: str, split: str | None) -> list[ClarityResult]:
    """The ``lang`` model trained on ``split`` (None: all labels) applied to labelled rows (no evidence)."""
    return classify_pairs([(r["question"], r["answer"]) for r in rows], lang, split=split, evidence=False)
