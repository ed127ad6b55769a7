"""Regenerating the shipped files after relabelling or changing the settings: every language's model trained on all
its labels (``model.npz``, ``model_zh.npz``) and the test-split predictions that corrected shares use
(``test_predictions.json``). ``python -m podium.analysis.clarity --export-model`` runs ``export_all``."""

from __future__ import annotations

import json
from pathlib import Path

from ...model import FINE_TO_CLARITY
from .classifier import model_file, save_model, settings_for
from .evaluation import TEST_PREDICTIONS, test_predictions
from .labels import LABEL_FILES, labelled
from .training import train

__all__ = ["export_all", "export_model"]


def export_model(path: Path | None = None, lang: str = "en") -> Path:
    """Train the ``lang`` model on all its labels and write the fitted parameters and their fingerprint to
    ``path`` (``model_file(lang)``)."""
    rows = labelled(lang)
    m = train(rows, settings_for(lang))
    n_amb = sum(1 for r in rows if FINE_TO_CLARITY[r["fine"]] == "Ambivalent")
    return save_model(m, path or model_file(lang), len(rows), n_amb)


def export_all() -> list[Path]:
    """Export every language's model and the test-split predictions that corrected shares use."""
    paths = [export_model(lang=lang) for lang in LABEL_FILES]
    preds = {lang: test_predictions(lang) for lang in LABEL_FILES}
    TEST_PREDICTIONS.write_text(json.dumps(preds, separators=(",", ":")) + "\n", encoding="utf-8")
    return [*paths, TEST_PREDICTIONS]
