"""How well the clarity model does on the held-out split, and how far two people labelling the same exchanges
agree (the ceiling for any model): macro-F1, accuracy, per-class precision/recall/F1 and confusion matrices
(``sklearn.metrics``), the calibration of the 3-class probabilities, and the test-split predictions that corrected
shares undo (``calibration.adjusted_shares``).

``evaluate()`` trains on the ``train`` split only, at run time, and scores the ``test`` split.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import AnalysisError
from ...model import CLARITY_LABELS, FINE_LABELS, FINE_TO_CLARITY
from ..calibration import format_reliability, reliability
from .classifier import model_fingerprint
from .cues import cue_classify
from .labels import (
    DATA,
    LABEL_FILES,
    SECOND_LABEL_FILES,
    SECOND_LABELS,
    VERSION,
    labelled,
    load_labels,
    source_of,
)
from .predict import ClarityResult, predict_rows

__all__ = ["TEST_PREDICTIONS", "agreement", "class_probs", "cohen_kappa", "evaluate", "format_report",
           "load_test_predictions", "score_predictions", "scores", "test_predictions"]

#: the held-out test split's gold and predicted 3-way classes (the model trained on the train split), per language:
#: the confusion that corrected shares undo (``calibration.adjusted_shares``)
TEST_PREDICTIONS = DATA / "test_predictions.json"

def scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Macro-F1 (over the labels with gold examples), accuracy, per-label precision / recall / F1 / support (0
    where a denominator is empty) and the confusion matrix (rows: gold, columns: predicted, in ``labels`` order)."""
    # scikit-learn takes ~2 s to import with scipy (measured): imported where something is scored
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    labels = list(labels)
    if not gold:
        zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
        return {"macro_f1": 0.0, "accuracy": 0.0, "per_class": {lab: dict(zero) for lab in labels},
                "labels": labels, "confusion": [[0] * len(labels) for _ in labels]}
    prec, rec, f1, support = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0.0)
    per = {lab: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(n)}
           for lab, p, r, f, n in zip(labels, prec, rec, f1, support, strict=True)}
    present = support > 0
    return {"macro_f1": float(f1[present].mean()) if present.any() else 0.0,
            "accuracy": float(accuracy_score(gold, pred)), "per_class": per, "labels": labels,
            "confusion": confusion_matrix(gold, pred, labels=labels).tolist()}


def score_predictions(rows: Sequence[dict[str, Any]], fines: Sequence[str]) -> dict[str, Any]:
    """Scores of predicted fine labels against the rows' gold ``fine`` labels: ``{"clarity": 3 classes, "fine": 9
    labels}``, each as ``scores`` gives it."""
    gold_f = [r["fine"] for r in rows]
    gold_c = [FINE_TO_CLARITY[f] for f in gold_f]
    pred_c = [FINE_TO_CLARITY[f] for f in fines]
    return {"clarity": scores(gold_c, pred_c, CLARITY_LABELS), "fine": scores(gold_f, fines, FINE_LABELS)}


def class_probs(results: Sequence[ClarityResult]) -> Any:
    """(n, 3) probabilities of the three classes (in ``CLARITY_LABELS`` order), summed over their fine labels."""
    out = np.zeros((len(results), len(CLARITY_LABELS)))
    for i, r in enumerate(results):
        for fine, p in r.probs.items():
            out[i, CLARITY_LABELS.index(FINE_TO_CLARITY[fine])] += p
    return out


def _scored(rows: Sequence[dict[str, Any]], results: Sequence[ClarityResult], method: str, split: str,
            trained_on: str | None) -> dict[str, Any]:
    out = score_predictions(rows, [r.fine for r in results])
    out.update({"split": split, "method": method, "n": len(rows), "version": VERSION, "trained_on": trained_on})
    if method == "model" and rows:
        out["calibration"] = reliability(class_probs(results), [FINE_TO_CLARITY[r["fine"]] for r in rows],
                                         CLARITY_LABELS)
    return out


def evaluate(split: str = "test", method: str = "model", lang: str = "en", source: str | None = None,
             parts: bool = True) -> dict[str, Any]:
    """Scores on the labelled ``split`` of ``lang`` ("test": the held-out split; the model is trained on "train"
    only), optionally of one ``source`` ("mfa-en", "wh", "mfa-zh").

    ``method="cue"`` scores the cue-only baseline on the same rows. ``split="zh"`` is short for the Chinese test
    split. The result holds macro-F1, accuracy, per-class precision/recall/F1 and the confusion matrix (rows: gold,
    columns: predicted) for the 3 classes (``result["clarity"]``) and the 9 labels (``result["fine"]``), ``n``, and
    for the model the calibration of its 3-class probabilities (``result["calibration"]``). For the English test
    split with ``parts`` it also holds ``result["parts"]``: the same figures for English MFA, White House and
    Chinese MFA test exchanges, and ``result["agreement"]``: the agreement between two people labelling the same
    exchanges, the ceiling for any model (English MFA; each part with a second labelling carries its own as
    ``"second_labelling"``, with the model's scores on the same exchanges).
    """
    if split == "zh":
        lang, split = "zh", "test"
    rows = labelled(lang, split=split, source=source)
    if not rows:
        raise AnalysisError(f"no clarity labels in split {split!r} ({lang}{', ' + source if source else ''})")
    if method == "cue":
        fines = [cue_classify(r["question"], r["answer"], lang)[1] for r in rows]
        results = [ClarityResult(FINE_TO_CLARITY[f], f, 0.0, None, {}, "cue") for f in fines]
        trained_on = None
    elif method == "model":
        train_split = "train" if split == "test" else None
        results = predict_rows(rows, lang, train_split)
        trained_on = "train" if split == "test" else "all labels (in-sample)"
    else:
        raise AnalysisError(f"unknown evaluation method {method!r}; use 'model' or 'cue'")
    out = _scored(rows, results, method, split if lang == "en" else f"{split} ({lang})", trained_on)
    out["lang"], out["source"] = lang, source
    if parts and lang == "en" and source is None and split == "test":
        out["parts"] = _parts(rows, results, method, trained_on)
        if SECOND_LABELS.is_file():
            out["agreement"] = agreement()
        for src, path in SECOND_LABEL_FILES.items():
            if path.is_file() and src in out["parts"]:
                a = agreement(path)
                # the model on the same exchanges the two people labelled, scored against the first labelling
                ids = {r["id"] for r in load_labels(path)}
                same = [i for i, r in enumerate(rows) if r["id"] in ids]
                model_same = score_predictions([rows[i] for i in same], [results[i].fine for i in same])
                a["model_macro_f1_clarity"] = model_same["clarity"]["macro_f1"]
                a["model_macro_f1_fine"] = model_same["fine"]["macro_f1"]
                out["parts"][src]["second_labelling"] = a
    return out


def _parts(rows: Sequence[dict[str, Any]], results: Sequence[ClarityResult], method: str,
           trained_on: str | None) -> dict[str, Any]:
    """The English test split's scores for English MFA and White House exchanges apart, and the Chinese MFA
    test split's."""
    out = {}
    for src in ("mfa-en", "wh"):
        sel = [i for i, r in enumerate(rows) if source_of(r) == src]
        if sel:
            out[src] = _scored([rows[i] for i in sel], [results[i] for i in sel], method, f"test ({src})", trained_on)
    try:
        out["mfa-zh"] = evaluate("test", method, lang="zh", parts=False)
    except AnalysisError:  # no Chinese test labels shipped
        pass
    return out


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Cohen's kappa between two labellings of the same items (NaN for none; 1 when both give every item the same
    one label, where chance agreement is already 1)."""
    from sklearn.metrics import cohen_kappa_score  # ~2 s with scipy: imported where something is scored

    if not len(a):
        return float("nan")
    if len(set(a) | set(b)) == 1:
        return 1.0
    return float(cohen_kappa_score(a, b))


def agreement(path: Path | None = None) -> dict[str, Any]:
    """How far two people labelling the same exchanges independently agree: the second labelling in
    ``path`` (``SECOND_LABELS``) against the first (``labelled("en")``), by id. Cohen's kappa overall (3 classes,
    9 labels) and per class (each class against the rest), macro-F1 of one labelling scored against the other."""
    second = {r["id"]: r for r in load_labels(path or SECOND_LABELS)}
    first = {r["id"]: r for r in labelled("en")}
    ids = [i for i in second if i in first]
    fa, fb = [first[i]["fine"] for i in ids], [second[i]["fine"] for i in ids]
    ca, cb = [FINE_TO_CLARITY[x] for x in fa], [FINE_TO_CLARITY[x] for x in fb]
    per_class = {c: cohen_kappa([x == c for x in ca], [y == c for y in cb]) for c in CLARITY_LABELS}
    per_fine = {f: cohen_kappa([x == f for x in fa], [y == f for y in fb]) for f in FINE_LABELS}
    scored = score_predictions([{"fine": x} for x in fa], fb)
    return {"n": len(ids), "kappa_clarity": cohen_kappa(ca, cb), "kappa_fine": cohen_kappa(fa, fb),
            "kappa_per_class": per_class, "kappa_per_fine": per_fine,
            "macro_f1_clarity": scored["clarity"]["macro_f1"], "macro_f1_fine": scored["fine"]["macro_f1"],
            "accuracy_clarity": scored["clarity"]["accuracy"], "accuracy_fine": scored["fine"]["accuracy"]}


def _score_table(r: dict[str, Any], title: str) -> list[str]:
    """Lines of one ``scores`` result: macro-F1 and accuracy, per-label precision/recall/F1, the confusion."""
    lines = ["", f"{title}: macro-F1 {r['macro_f1']:.3f}  accuracy {r['accuracy']:.3f}"]
    width = max(len(lab) for lab in r["labels"])
    lines.append(f"  {'':{width}}  prec   rec    F1     n")
    for lab in r["labels"]:
        pc = r["per_class"][lab]
        lines.append(f"  {lab:{width}}  {pc['precision']:.2f}  {pc['recall']:.2f}  {pc['f1']:.2f}  {pc['support']:4d}")
    abbrev = [_abbrev(lab) for lab in r["labels"]]
    lines.append(f"  confusion (rows gold, columns predicted): {' '.join(f'{a:>4}' for a in abbrev)}")
    for lab, row in zip(r["labels"], r["confusion"], strict=True):
        lines.append(f"  {lab:{width}}{'':28}{' '.join(f'{v:4d}' for v in row)}")
    return lines


def _agreement_line(a: dict[str, Any], what: str = "English MFA test exchanges") -> str:
    return (f"agreement of two independent labellings ({what}, n={a['n']}): Cohen's kappa "
            f"{a['kappa_clarity']:.3f} (3 classes), {a['kappa_fine']:.3f} (9 labels); per class "
            + ", ".join(f"{c} {k:.2f}" for c, k in a["kappa_per_class"].items())
            + f"; one labelling scored against the other: macro-F1 {a['macro_f1_clarity']:.3f} (3 classes), "
            f"{a['macro_f1_fine']:.3f} (9 labels) -- the ceiling for any model")


def format_report(result: dict[str, Any]) -> str:
    """A plain-text report of ``evaluate()``'s result."""
    lines = [
        f"clarity {result.get('method', 'model')} v{result.get('version', VERSION)} on split {result.get('split')!r}"
        f" (n={result['n']}" + (f", trained on {result['trained_on']!r}" if result.get("trained_on") else "") + ")",
    ]
    lines += _score_table(result["clarity"], "3 classes") + _score_table(result["fine"], "9 labels")
    if result.get("calibration"):
        lines += ["", format_reliability(result["calibration"], "calibration of the 3-class probabilities")]
    for name, part in result.get("parts", {}).items():
        lines += ["", f"--- {_SOURCE_NAMES.get(name, name)} ---", format_report(part)]
        a = part.get("second_labelling")
        if a:
            lines += [_agreement_line(a, _SOURCE_NAMES.get(name, name)),
                      f"the model on the same {a['n']} exchanges: macro-F1 {a['model_macro_f1_clarity']:.3f} "
                      f"(3 classes), {a['model_macro_f1_fine']:.3f} (9 labels); gap to the people "
                      f"{a['model_macro_f1_clarity'] - a['macro_f1_clarity']:+.3f} / "
                      f"{a['model_macro_f1_fine'] - a['macro_f1_fine']:+.3f}"]
    if result.get("agreement") and not any(p.get("second_labelling") for p in result.get("parts", {}).values()):
        lines += ["", _agreement_line(result["agreement"])]
    return "\n".join(lines)


_SOURCE_NAMES = {"mfa-en": "English MFA test exchanges", "wh": "White House test exchanges",
                 "mfa-zh": "Chinese MFA test exchanges"}


def _abbrev(label: str) -> str:
    return "".join(w[0] for w in label.split()).upper() if " " in label else label[:3]


def test_predictions(lang: str) -> dict[str, Any]:
    """Gold and predicted class indices (in ``CLARITY_LABELS`` order) of the ``lang`` test split, the model
    trained on the train split, with n, the 3-class macro-F1 and the expected calibration error of each class's
    probability (``ece``)."""
    rows = labelled(lang, split="test")
    results = predict_rows(rows, lang, "train")
    gold = [CLARITY_LABELS.index(FINE_TO_CLARITY[r["fine"]]) for r in rows]
    pred = [CLARITY_LABELS.index(r.clarity) for r in results]
    scored = score_predictions(rows, [r.fine for r in results])
    rel = reliability(class_probs(results), [FINE_TO_CLARITY[r["fine"]] for r in rows], CLARITY_LABELS)
    return {"n": len(rows), "gold": gold, "pred": pred, "macro_f1": round(scored["clarity"]["macro_f1"], 4),
            "ece": {c: round(rel["per_class"][c]["ece"], 4) for c in CLARITY_LABELS},
            "fingerprint": model_fingerprint(lang)}


def load_test_predictions() -> dict[str, dict[str, Any]]:
    """The shipped ``TEST_PREDICTIONS`` per language ({} when missing); entries whose model fingerprint differs
    from the labels and settings here are left out (re-export)."""
    if not TEST_PREDICTIONS.is_file():
        return {}
    data = json.loads(TEST_PREDICTIONS.read_text(encoding="utf-8"))
    return {lang: d for lang, d in data.items()
            if lang in LABEL_FILES and d.get("fingerprint") == model_fingerprint(lang)}

