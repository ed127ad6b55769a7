"""Regenerating the shipped files after relabelling or changing the settings: every language's model trained on all
its labels (``model.npz``, ``model_zh.npz``), on its train split (``model_train.npz``, ``model_zh_train.npz``:
``evaluate`` scores it on the held-out split) and the test-split predictions that corrected shares use
(``test_predictions.json``). ``python -m podium.analysis.clarity --export-model`` runs ``export_all``."""

from __future__ import annotations

import json
from pathlib import Path

from ...model import FINE_TO_CLARITY
from .classifier import model_file, save_model, settings_for
from .evaluation import TEST_PREDICTIONS, test_predictions
from .labels import LABEL_FILES, labelled
from .predict import SHIPPED_SPLITS
from .training import train

__all__ = ["export_all", "export_model"]


def export_model(path: Path | None = None, lang: str = "en", split: str | None = None) -> Path:
    """Train the ``lang`` model on all its labels (or those of ``split``) and write the fitted parameters and their
    fingerprint to ``path`` (``model_file(lang, split)``)."""
    rows = labelled(lang, split=split)
    m = train(rows, settings_for(lang))
    n_amb = sum(1 for r in rows if FINE_TO_CLARITY[r["fine"]] == "Ambivalent")
    return save_model(m, path or model_file(lang, split), len(rows), n_amb, split)


def export_all() -> list[Path]:
    """Export every language's models (all labels; the train split) and the test-split predictions that corrected
    shares use."""
    paths = [export_model(lang=lang, split=split) for lang in LABEL_FILES for split in (None, *SHIPPED_SPLITS)]
    preds = {lang: test_predictions(lang) for lang in LABEL_FILES}
    TEST_PREDICTIONS.write_text(json.dumps(preds, separators=(",", ":")) + "\n", encoding="utf-8")
    return [*paths, TEST_PREDICTIONS]
