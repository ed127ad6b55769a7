"""The clarity pass over a briefing's exchanges, and the same labelling for anyone's own questions and answers
(``podium classify``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ...model import Annotation, Briefing
from .labels import VERSION
from .predict import classify_pairs

__all__ = ["ClarityPass", "classify_exchanges", "guess_lang"]

_HAN = re.compile(r"[\u4e00-\u9fff]")


def guess_lang(text: str) -> str:
    """"zh" when at least a fifth of the text's non-space characters are Chinese characters, else "en"."""
    chars = [ch for ch in text if not ch.isspace()]
    return "zh" if chars and len(_HAN.findall(text)) / len(chars) >= 0.2 else "en"


def _language_or_error(item: Any) -> tuple[str | None, str | None]:
    """The language an item is classified in, or what is wrong with it."""
    if not isinstance(item, dict):
        return None, f"expected an object with question and answer, got {type(item).__name__}"
    missing = [k for k in ("question", "answer") if not isinstance(item.get(k), str)]
    if missing:
        return None, f"missing or not text: {', '.join(missing)}"
    if not item["answer"].strip():
        return None, "the answer is empty: nothing to classify"
    lang = item.get("lang") or guess_lang(item["answer"])
    if lang not in ("en", "zh"):
        return None, f"unknown lang {lang!r}: use en or zh"
    return lang, None


def classify_exchanges(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clarity of questions and answers given as dicts with ``question`` and ``answer`` (optional ``id``, echoed
    back, and ``lang``: "en" or "zh", guessed from the answer when absent), in input order. Each result has
    ``id``, ``clarity`` (3 classes), ``clarity_fine`` (9 labels), ``confidence``, ``evidence`` (the answer sentence
    it rests on), ``probs``, ``lang`` and ``method``; an item that cannot be classified gets ``error`` (saying what
    is wrong) instead, and the others go on."""
    out: list[dict[str, Any]] = []
    todo: dict[str, list[int]] = {"en": [], "zh": []}
    for i, item in enumerate(items):
        out.append({"id": item.get("id") if isinstance(item, dict) else None})
        lang, error = _language_or_error(item)
        if lang is None:
            out[i]["error"] = error
            continue
        out[i]["lang"] = lang
        todo[lang].append(i)
    for lang, idx in todo.items():
        if not idx:
            continue
        results = classify_pairs([(items[i]["question"], items[i]["answer"]) for i in idx], lang)
        for i, r in zip(idx, results, strict=True):
            out[i].update({"clarity": r.clarity, "clarity_fine": r.fine, "confidence": r.confidence,
                           "evidence": r.evidence, "probs": r.probs, "method": r.method})
    return out


class ClarityPass:
    """The analysis pass: one ``clarity`` annotation per exchange that has an answer."""

    name = "clarity"
    version = VERSION

    def annotate(self, briefing: Briefing) -> list[Annotation]:
        return self.annotate_batch([briefing])[0]

    def annotate_batch(self, briefings: Sequence[Briefing]) -> list[list[Annotation]]:
        """``annotate`` over several briefings, with one model call per language for all their exchanges (the
        same labels: each exchange is scored on its own)."""
        results: dict[int, list[Any]] = {}
        for lang in ("en", "zh"):
            mine = [i for i, b in enumerate(briefings) if ("zh" if b.lang == "zh" else "en") == lang]
            found = classify_pairs([(e.question_text, e.answer_text) for i in mine for e in briefings[i].exchanges],
                                   lang) if mine else []
            k = 0
            for i in mine:
                n = len(briefings[i].exchanges)
                results[i], k = found[k : k + n], k + n
        return [[
            # an exchange without an answer has no clarity; still recorded so exports show it was looked at
            Annotation(e.n, self.name, r.clarity or None, {"fine": r.fine or None, "probs": r.probs},
                       r.confidence if r.clarity else None, r.evidence, r.method, self.version)
            for e, r in zip(b.exchanges, results[i], strict=True)
        ] for i, b in enumerate(briefings)]
