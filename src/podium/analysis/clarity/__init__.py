"""Answer clarity and evasion: each exchange labelled with the QEvasion / SemEval-2026 CLARITY taxonomy.

Three classes and nine fine labels (Thomas et al. 2024)::

    Clear Reply      Explicit
    Ambivalent       Implicit, Dodging, Deflection, Partial, General
    Clear Non-Reply  Declining to answer, Claims ignorance, Clarification

How labels are decided is written down in ``docs/annotation-guide.md``. The hand labels are in ``data/clarity/``
(``LABEL_FILES``): English (``labels.jsonl``, ``labels_en_r3*.jsonl``: China MFA; ``labels_wh.jsonl``: White
House) and Chinese (``labels_zh*.jsonl``), each row with a fixed ``split`` (``train`` or ``test``, a seeded hash of
the briefing, so no briefing is in both); ``labels_en_second.jsonl`` is a second, independent labelling of English
test exchanges that gives the agreement between people (``agreement()``), the ceiling for any model.

Meaning, not layout: every text is read in its canonical form (``canonical``: whitespace runs, paragraph breaks
included, become one space), and no feature counts length, sentences or paragraphs, so an answer printed as one
paragraph or one paragraph per sentence gets the same label (v2.0; v1.1 moved two thirds of its test answers to
Clear Reply when their paragraph breaks were restored).

Method (one model per language, chosen by grouped cross-validation on the train split; ``benchmarks/
compare_clarity.py`` compares it with sentence embeddings on the same split): a logistic regression over TF-IDF
n-grams of the answer plus curated cue features (non-reply formulas such as "I'm not aware", "I'd refer you to the
competent authorities", 我不了解, 请向主管部门询问; standing-position formulas; counter-questions), question-answer
overlap and the kind of question asked; a second, more strongly regularised model trained on the Ambivalent answers
splits the Ambivalent mass among Implicit, Dodging, Deflection, Partial and General. Training is seeded and
deterministic. The pass uses the models trained on every label, shipped as plain arrays (no pickle) in
``data/clarity/model.npz`` and ``model_zh.npz`` with a fingerprint of their labels and settings; after
relabelling or changing the settings, regenerate them with ``python -m podium.analysis.clarity --export-model``
(a test fails until then).

The parts, each a module (a module imports only those above it):

- ``labels``: the hand-label files, their loading and split (the vocabulary is ``podium.model``'s).
- ``cues``: canonical text, sentences, cue phrases, the cue-only classifier (the baseline) and cue evidence.
- ``features``: the hand-made features of an exchange.
- ``ngrams``: the answer's n-gram features as the shipped model reads them (scikit-learn's TF-IDF, bit for bit, each
  answer counted once for both stages).
- ``classifier``: the settings, the fitted model, and its shipped arrays (fingerprint, save, load).
- ``training``: fitting a model on labelled rows.
- ``predict``: one model per language and split per process; labels, confidence and evidence for answers.
- ``annotate``: ``ClarityPass`` over a briefing, and ``classify_exchanges`` for anyone's own questions and answers.
- ``evaluation``: held-out scores, calibration, agreement between labellers, the test-split predictions.
- ``export``: regenerating the shipped files.

Model variants that only benchmarks try (sentence embeddings, a stacked second stage, a dense-only Ambivalent model)
live in ``benchmarks/clarity_variants.py``.
"""

from __future__ import annotations

from ...model import CLARITY_LABELS, FINE_LABELS, FINE_TO_CLARITY
from .annotate import ClarityPass, classify_exchanges, guess_lang
from .classifier import (
    MODEL_FILE,
    ZH_SETTINGS,
    ClarityModel,
    Settings,
    load_model,
    model_file,
    model_fingerprint,
    settings_for,
)
from .cues import canonical, cue_classify, sentences
from .evaluation import (
    TEST_PREDICTIONS,
    agreement,
    class_probs,
    cohen_kappa,
    evaluate,
    format_report,
    load_test_predictions,
    score_predictions,
    test_predictions,
)
from .export import export_all, export_model
from .features import dense_features, dense_features_zh, extra_features
from .labels import (
    DATA,
    LABEL_FILES,
    LABELS,
    SECOND_LABEL_FILES,
    SECOND_LABELS,
    SECOND_LABELS_WH,
    SEED_LABELS,
    VERSION,
    labelled,
    load_labels,
    source_of,
    split_of,
)
from .predict import ClarityResult, classify, classify_pairs, decide, method_name, model, predict_rows
from .training import train

__all__ = ["CLARITY_LABELS", "ClarityModel", "ClarityPass", "ClarityResult", "DATA", "FINE_LABELS", "FINE_TO_CLARITY",
           "LABELS", "LABEL_FILES", "MODEL_FILE", "SECOND_LABELS", "SECOND_LABELS_WH",
           "SECOND_LABEL_FILES", "SEED_LABELS", "Settings", "TEST_PREDICTIONS",
           "VERSION", "ZH_SETTINGS", "agreement", "canonical", "class_probs", "classify", "classify_exchanges",
           "classify_pairs", "cohen_kappa", "cue_classify", "decide", "dense_features", "dense_features_zh", "evaluate",
           "export_all", "export_model", "extra_features", "format_report", "guess_lang", "labelled", "load_labels",
           "load_model", "load_test_predictions", "method_name", "model", "model_file", "model_fingerprint",
           "predict_rows", "score_predictions", "sentences", "settings_for", "source_of", "split_of",
           "test_predictions", "train"]
