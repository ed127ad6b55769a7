"""The fitted clarity model and its shipped form: the settings, the model that turns exchanges into label
probabilities, and the plain arrays it is shipped as (``data/clarity/model.npz``, ``model_zh.npz``; no pickle).

The model is a logistic regression (one-vs-rest, liblinear) over TF-IDF n-grams of the answer (English: words and
character n-grams of the opening; Chinese: character n-grams) and the hand-made features of ``features``. It has two
stages: the first gives a probability to every label, and the 3-way class is the one with the most mass; a second,
more strongly regularised model of the same kind, trained on Ambivalent answers only (``amb``), splits the
Ambivalent mass among Implicit, Dodging, Deflection, Partial and General.

The shipped arrays are the vocabularies, the document frequencies (the idf is recomputed from them), the scaler's
``scale_`` and the regressions' weights, with a fingerprint (sha256 of the language's label files, its settings and
``VERSION``); ``load_model`` rebuilds the model from them only when the fingerprint matches, and applies it without
scikit-learn (``ngrams``: its TF-IDF bit for bit, each answer counted once for both stages).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import AnalysisError
from .cues import canonical, norm
from .features import exchange_features
from .labels import DATA, LABEL_FILES, VERSION
from .ngrams import NGrams, Tfidf

__all__ = ["MODEL_FILE", "ZH_SETTINGS", "ClarityModel", "Settings", "ambivalent_settings", "canonical_pairs",
           "load_model", "model_file", "model_fingerprint", "save_model", "settings_for",
           "vectorizer_kwargs"]

log = logging.getLogger(__name__)

# scipy and scikit-learn are imported only in the functions that fit or apply a model: together they take ~2 s to
# import (measured on the 2-core machine), and this package is also imported for its labels and test predictions.


@dataclass(frozen=True, slots=True)
class Settings:
    """Model choices. Regularisation, n-gram and stage choices were picked by 5-fold grouped cross-validation on the
    train split (``benchmarks/eval_clarity.py --cv`` reproduces the comparison); the test split played no part."""

    C: float = 8.0
    #: scale of the hand-made features relative to the n-gram features (larger: regularised less)
    dense_weight: float = 1.0
    #: characters of the answer's opening that the character n-grams see
    head_chars: int = 400
    word_max: int = 20000
    char_max: int = 30000
    #: "balanced" reweights labels by inverse frequency; None trusts the label distribution
    class_weight: str | None = "balanced"
    #: the features aimed at Deflection, General, Partial and Implicit (``extra_features``; v2.0: on, by grouped
    #: cross-validation on 1,434 train exchanges: 9-label macro-F1 0.454 against 0.439 without, 3-class equal)
    extra: bool = True
    #: split the Ambivalent mass among its five labels with a model trained on Ambivalent answers only
    two_stage: bool = True
    amb_C: float = 0.3
    #: the Ambivalent model's own choice of the extra features (None: same as ``extra``)
    amb_extra: bool | None = True
    #: the language the model reads: "en" (word and character n-grams, English cue features) or "zh" (character
    #: n-grams, Chinese cue features)
    lang: str = "en"


#: the Chinese model's choices (cross-validated on the Chinese train split like the English ones)
ZH_SETTINGS = Settings(lang="zh", head_chars=150)


def settings_for(lang: str) -> Settings:
    """The default model settings for answers in ``lang``."""
    return ZH_SETTINGS if lang == "zh" else Settings()


def ambivalent_settings(s: Settings) -> Settings:
    """The settings of the second stage, the model of the Ambivalent answers."""
    return dataclasses.replace(s, two_stage=False, C=s.amb_C, extra=s.extra if s.amb_extra is None else s.amb_extra)


def vectorizer_kwargs(s: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keyword arguments of the answer's two TfidfVectorizers (whole answer, opening), by language."""
    if s.lang == "zh":
        # Chinese has no spaces between words: character uni- to trigrams stand for words
        return ({"analyzer": "char", "ngram_range": (1, 3), "max_features": s.word_max},
                {"analyzer": "char", "ngram_range": (2, 4), "max_features": s.char_max})
    return ({"ngram_range": (1, 2), "max_features": s.word_max},
            {"analyzer": "char_wb", "ngram_range": (2, 5), "max_features": s.char_max})


def canonical_pairs(pairs: Sequence[tuple[str, str]], lang: str = "en") -> list[tuple[str, str]]:
    """(question, answer) pairs in the canonical form the model reads."""
    return [(canonical(q, lang), canonical(a, lang)) for q, a in pairs]


@dataclass
class ClarityModel:
    """A fitted model: the answer's two vectorizers, the scaler of the hand-made features, the classifier (one
    probability per label in ``classes``) and, for the two-stage model, ``amb``: the model of Ambivalent answers."""

    settings: Settings
    word: Any
    char: Any
    scaler: Any
    clf: Any
    classes: list[str]
    amb: Any = None

    def extra_blocks(self, pairs: Sequence[tuple[str, str]]) -> list[Any]:
        """Feature blocks a variant adds after the model's own (none here; ``benchmarks/clarity_variants.py``)."""
        return []

    def stack(self, pairs: Sequence[tuple[str, str]], word_x: Any, char_x: Any, feats: Any) -> Any:
        """The model's input rows for canonical pairs from their answer n-grams, opening n-grams and hand-made
        features (training passes the matrices it fitted on; ``matrix`` computes them)."""
        from scipy.sparse import csr_matrix, hstack  # ~2 s with scikit-learn: see the note at the top

        dense = csr_matrix(self.scaler.transform(feats) * self.settings.dense_weight)
        return hstack([word_x, char_x, dense, *self.extra_blocks(pairs)]).tocsr()

    def matrix(self, pairs: Sequence[tuple[str, str]]) -> Any:
        """The model's input rows for (question, answer) pairs."""
        s = self.settings
        pairs = canonical_pairs(pairs, s.lang)
        answers = [norm(a) for _, a in pairs]
        feats = [list(exchange_features(q, a, s.lang, bool(s.extra))) for q, a in pairs]
        heads = [a[: s.head_chars] for a in answers]
        return self.stack(pairs, self.word.transform(answers), self.char.transform(heads), feats)

    def first_stage(self, pairs: Sequence[tuple[str, str]]) -> Any:
        """(n, labels) probabilities of the first stage alone."""
        return self.clf.predict_proba(self.matrix(pairs))

    def proba(self, pairs: Sequence[tuple[str, str]]) -> Any:
        """(n, labels) probabilities in ``classes`` order, the Ambivalent mass split by the second stage."""
        base = self.first_stage(pairs)
        if self.amb is None:
            return base
        base = base.copy()
        cols = [self.classes.index(c) for c in self.amb.classes]
        mass = base[:, cols].sum(axis=1, keepdims=True)
        base[:, cols] = mass * self.amb.proba(pairs)
        return base

    def word_weights(self, label: str) -> Any:
        """The linear weights of the answer's word n-grams for ``label``."""
        j = self.classes.index(label)
        n = len(self.word.vocabulary_)
        if hasattr(self.clf, "estimators_"):  # one-vs-rest, as fitted
            return self.clf.estimators_[j].coef_[0][:n]
        return self.clf.coef_[j][:n]

    @functools.cached_property
    def word_weight_columns(self) -> Any:
        """``word_weights`` of every label, a column each in ``classes`` order: many sentences scored for their
        labels in one product (each score the same sum, in the same order, as with one label's weights)."""
        return np.ascontiguousarray(np.stack([self.word_weights(c) for c in self.classes], axis=1))


# ---------------------------------------------------------------------------------------------------------------
# The shipped fitted parameters (plain arrays, not pickles: they load under any numpy / scikit-learn version).
# ---------------------------------------------------------------------------------------------------------------

MODEL_FILE = DATA / "model.npz"


def model_file(lang: str = "en", split: str | None = None) -> Path:
    """Where the fitted ``lang`` model is shipped: trained on all its labels, or on the labels of ``split`` (the
    ``train`` model behind the held-out figures of ``evaluate``)."""
    name = "model" + ("" if lang == "en" else f"_{lang}") + (f"_{split}" if split else "")
    return DATA / f"{name}.npz"


def model_fingerprint(lang: str = "en", split: str | None = None) -> str:
    """sha256 of what the shipped ``lang`` model (of ``split``, None: all labels) was fitted from: its label files,
    its settings and VERSION."""
    h = hashlib.sha256(f"{lang}\0{settings_for(lang)!r}\0{VERSION}{f'{chr(0)}{split}' if split else ''}".encode())
    for name in LABEL_FILES[lang]:
        path = DATA / name
        if path.is_file():
            h.update(f"\0{name}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


class _Linear:
    """One-vs-rest logistic regressions (liblinear) from their weights: what ``OneVsRestClassifier.predict_proba``
    computes (each label's sigmoid, normalised over labels)."""

    def __init__(self, coef: Any, intercept: Any, classes: list[str]) -> None:
        self.coef_, self.intercept_, self.classes_ = coef, intercept, classes
        # the transpose laid out in rows once: scipy copies a column-major right operand on every product
        self._coef_t = np.ascontiguousarray(np.asarray(coef).T)

    def predict_proba(self, x: Any) -> Any:
        from scipy.special import expit  # ~2 s with scikit-learn: see the note at the top

        p = expit(np.asarray(x @ self._coef_t) + self.intercept_)
        return p / p.sum(axis=1, keepdims=True)


class _Scaler:
    """``MaxAbsScaler.transform`` from its ``scale_``."""

    def __init__(self, scale: Any) -> None:
        self.scale_ = scale

    def transform(self, x: Any) -> Any:
        return np.asarray(x, dtype=np.float64) / self.scale_


def _text(value: Any) -> Any:
    # JSON as UTF-8 bytes: compresses better than numpy's 4-byte unicode and loads without pickle
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode(), dtype=np.uint8)


def _untext(arr: Any) -> Any:
    return json.loads(arr.tobytes().decode())


def _idf(df: Any, n_docs: int) -> Any:
    # TfidfTransformer.fit with smooth_idf, in the same float64 operations (so bit-identical)
    return np.log((n_docs + 1) / (np.asarray(df, dtype=np.float64) + 1.0)) + 1.0


def _vocabulary_arrays(vec: Any, key: str, main_vec: Any | None) -> dict[str, Any]:
    """One vectorizer's terms: a bit per term of the main model's vectorizer when they are a subset of it (the
    Ambivalent model's usually are), else the terms themselves."""
    terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    main_vocab = main_vec.vocabulary_ if main_vec is not None else {}
    if main_vec is not None and all(t in main_vocab for t in terms):
        mask = np.zeros(len(main_vocab), dtype=bool)
        mask[[main_vocab[t] for t in terms]] = True
        if [t for t, i in sorted(main_vocab.items(), key=lambda kv: kv[1]) if mask[i]] == terms:
            return {f"{key}_in_main": np.packbits(mask)}
    return {f"{key}_vocab": _text(terms)}


def _idf_arrays(vec: Any, key: str, n_docs: int) -> dict[str, Any]:
    """One vectorizer's idf as document frequencies (small integers: they compress to almost nothing) when the idf
    is recomputed from them exactly, else as it is."""
    idf = np.asarray(vec.idf_, dtype=np.float64)
    df = np.rint((n_docs + 1) / np.exp(idf - 1.0) - 1.0).astype(np.int32)
    if np.array_equal(_idf(df, n_docs), idf):
        return {f"{key}_df": df}
    return {f"{key}_idf": idf}


def _linear_params(clf: Any) -> tuple[Any, Any]:
    if not hasattr(clf, "estimators_"):
        raise AnalysisError("clarity export: only the one-vs-rest liblinear model (the default) can be exported")
    coef = np.vstack([e.coef_ for e in clf.estimators_])
    intercept = np.concatenate([e.intercept_ for e in clf.estimators_])
    return coef, intercept


def _model_arrays(m: ClarityModel, prefix: str, n_docs: int, main: ClarityModel | None = None) -> dict[str, Any]:
    """The plain arrays of one fitted stage (``prefix`` "" or "amb_"), fitted on ``n_docs`` exchanges."""
    out: dict[str, Any] = {f"{prefix}n_docs": np.array(n_docs)}
    for name in ("word", "char"):
        vec = getattr(m, name)
        out |= _vocabulary_arrays(vec, f"{prefix}{name}", getattr(main, name) if main is not None else None)
        out |= _idf_arrays(vec, f"{prefix}{name}", n_docs)
    out[f"{prefix}scale"] = np.asarray(m.scaler.scale_, dtype=np.float64)
    out[f"{prefix}coef"], out[f"{prefix}intercept"] = _linear_params(m.clf)
    out[f"{prefix}classes"] = _text(list(m.classes))
    return out


def save_model(m: ClarityModel, path: Path, n_docs: int, n_amb: int, split: str | None = None) -> Path:
    """Write a model fitted on ``n_docs`` exchanges (``n_amb`` of them Ambivalent) of the labels of its language
    (of ``split``; None: all) to ``path``, with the fingerprint of those labels and settings."""
    arrays = _model_arrays(m, "", n_docs)
    if m.amb is not None:
        arrays |= _model_arrays(m.amb, "amb_", n_amb, main=m)
    arrays["fingerprint"] = _text(model_fingerprint(m.settings.lang, split))
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    return path


def _terms(z: Any, prefix: str, name: str, main_terms: list[str] | None) -> list[str]:
    """One stage's terms of one field, in column order."""
    if f"{prefix}{name}_in_main" in z.files:
        mask = np.unpackbits(z[f"{prefix}{name}_in_main"], count=len(main_terms or ())).astype(bool)
        return [t for t, keep in zip(main_terms or (), mask, strict=True) if keep]
    return _untext(z[f"{prefix}{name}_vocab"])


def _stage_idf(z: Any, prefix: str, name: str) -> Any:
    if f"{prefix}{name}_df" in z.files:
        return _idf(z[f"{prefix}{name}_df"], int(z[f"{prefix}n_docs"]))
    return z[f"{prefix}{name}_idf"]


def _fields(stages: dict[str, Settings]) -> dict[tuple[str, tuple[str, tuple[int, int]]], list[str]]:
    """(field name, (analyzer, n-gram range)) -> the stages (array prefixes) that read the field that way."""
    out: dict[tuple[str, tuple[str, tuple[int, int]]], list[str]] = {}
    for prefix, st in stages.items():
        for name, kw in zip(("word", "char"), vectorizer_kwargs(st), strict=True):
            out.setdefault((name, (kw.get("analyzer", "word"), kw["ngram_range"])), []).append(prefix)
    return out


def _model_from_arrays(z: Any, prefix: str, s: Settings, fields: dict[tuple[str, str], NGrams],
                       terms: dict[str, list[str]]) -> ClarityModel:
    word = Tfidf(fields[prefix, "word"], terms[f"{prefix}word"], _stage_idf(z, prefix, "word"))
    char = Tfidf(fields[prefix, "char"], terms[f"{prefix}char"], _stage_idf(z, prefix, "char"))
    classes = _untext(z[f"{prefix}classes"])
    clf = _Linear(z[f"{prefix}coef"], z[f"{prefix}intercept"], classes)
    return ClarityModel(s, word, char, _Scaler(z[f"{prefix}scale"]), clf, classes)


def load_model(path: Path | None = None, lang: str = "en", split: str | None = None) -> ClarityModel | None:
    """The shipped ``lang`` model on all labels (or on those of ``split``), or None (with a log line saying why)
    when it is missing or stale."""
    path = path or model_file(lang, split)
    if not path.is_file():
        log.info("clarity: no shipped model at %s; training from the labels", path)
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if _untext(z["fingerprint"]) != model_fingerprint(lang, split):
                log.warning(
                    "clarity: %s was exported from other labels or settings (fingerprint differs); training from the"
                    " labels instead. Re-export with `python -m podium.analysis.clarity --export-model`.",
                    path,
                )
                return None
            s = settings_for(lang)
            stages = {"": s} | ({"amb_": ambivalent_settings(s)} if "amb_coef" in z.files else {})
            terms: dict[str, list[str]] = {}
            for prefix in stages:
                for name in ("word", "char"):
                    terms[prefix + name] = _terms(z, prefix, name, terms.get(name))
            # a field (the answer's words, its opening's characters) read the same way by both stages is counted
            # once for both, over the union of their terms
            fields: dict[tuple[str, str], NGrams] = {}
            for (name, kw), prefixes in _fields(stages).items():
                union = list(dict.fromkeys(t for p in prefixes for t in terms[p + name]))
                ngrams = NGrams(kw[0], kw[1], union)
                fields |= {(p, name): ngrams for p in prefixes}
            m = _model_from_arrays(z, "", s, fields, terms)
            if "amb_" in stages:
                m.amb = _model_from_arrays(z, "amb_", stages["amb_"], fields, terms)
    except (OSError, KeyError, ValueError, UnicodeDecodeError) as exc:
        log.warning("clarity: cannot read %s (%s); training from the labels instead", path, exc)
        return None
    return m
