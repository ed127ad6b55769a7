"""Fitting the clarity model on hand labels: seeded and deterministic for given rows and settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...model import FINE_TO_CLARITY
from .classifier import ClarityModel, Settings, ambivalent_settings, canonical_pairs, vectorizer_kwargs
from .cues import norm
from .features import exchange_features

__all__ = ["SEED", "train"]

#: the seed of every fitted regression
SEED = 20240613


def _fit_first_stage(rows: Sequence[dict[str, Any]], s: Settings,
                     model_type: Callable[..., ClarityModel]) -> ClarityModel:
    """Vectorizers, scaler and one-vs-rest logistic regressions fitted on ``rows``."""
    # scikit-learn and scipy take ~2 s to import (measured): imported where a model is fitted, not with the package
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MaxAbsScaler

    pairs = canonical_pairs([(r["question"], r["answer"]) for r in rows], s.lang)
    answers = [norm(a) for _, a in pairs]
    word_kw, char_kw = vectorizer_kwargs(s)
    # fit_transform: each answer is analysed once (fit, then transform, analysed it twice: a third of training)
    word = TfidfVectorizer(min_df=2, sublinear_tf=True, **word_kw)
    word_x = word.fit_transform(answers)
    char = TfidfVectorizer(min_df=2, sublinear_tf=True, **char_kw)
    char_x = char.fit_transform([a[: s.head_chars] for a in answers])
    feats = np.array([list(exchange_features(q, a, s.lang, bool(s.extra))) for q, a in pairs])
    scaler = MaxAbsScaler().fit(feats)
    m = model_type(s, word, char, scaler, None, [])
    x = m.stack(pairs, word_x, char_x, feats)
    # one binary model per label, solved in the dual (far fewer labels than features): under a second, where the
    # multinomial fit takes ten or more
    clf = OneVsRestClassifier(
        LogisticRegression(C=s.C, solver="liblinear", dual=True, max_iter=3000, class_weight=s.class_weight,
                           random_state=SEED)
    )
    clf.fit(x, [r["fine"] for r in rows])
    m.clf, m.classes = clf, list(clf.classes_)
    return m


def train(rows: Sequence[dict[str, Any]], settings: Settings | None = None, *,
          model_type: Callable[..., ClarityModel] = ClarityModel) -> ClarityModel:
    """Fit the model on labelled rows: the first stage on all of them and, with ``settings.two_stage``, the
    second on the Ambivalent ones (``model_type``: a ``ClarityModel`` subclass, for the variants benchmarks try)."""
    s = settings or Settings()
    m = _fit_first_stage(rows, s, model_type)
    amb_rows = [r for r in rows if FINE_TO_CLARITY[r["fine"]] == "Ambivalent"]
    amb_labels = {r["fine"] for r in amb_rows}
    if s.two_stage and len(amb_labels) >= 2 and set(m.classes) >= amb_labels:
        m.amb = train(amb_rows, ambivalent_settings(s), model_type=model_type)
    return m
