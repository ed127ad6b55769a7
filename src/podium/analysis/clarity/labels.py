"""The hand labels of answer clarity: where they are, how they are read, how they are split (the vocabulary,
``CLARITY_LABELS``, ``FINE_LABELS`` and ``FINE_TO_CLARITY``, is ``podium.model``'s).

``LABEL_FILES`` lists the hand labels a model is trained and tested on, by the language of the answers; every row
has a fixed ``split`` (``train`` or ``test``: a seeded hash of the briefing, so no briefing is in both).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ...errors import AnalysisError
from ...model import FINE_TO_CLARITY

__all__ = ["DATA", "LABELS", "LABEL_FILES", "SECOND_LABELS",
           "SEED_LABELS", "VERSION", "ZH_LABELS", "labelled", "load_labels", "source_of", "split_of"]

#: the version of the pass, stored with every annotation and hashed into the shipped models' fingerprints
VERSION = "2.1"  # 2.1: features read sentences through podium.text (one splitter); 200 more labels
DATA = Path(__file__).resolve().parents[2] / "data" / "clarity"
LABELS = DATA / "labels.jsonl"
SEED_LABELS = DATA / "labels_seed.jsonl"
ZH_LABELS = DATA / "labels_zh.jsonl"
#: every file of hand labels a model is trained and tested on, by the language of its answers; ``labels.jsonl``
#: (English MFA, rounds 1-5) comes first and wins when another file labels the same exchange again
LABEL_FILES: dict[str, tuple[str, ...]] = {
    "en": ("labels.jsonl", "labels_en_r3.jsonl", "labels_en_r3_targeted.jsonl", "labels_en_r3_targeted2.jsonl",
           "labels_en_r4.jsonl", "labels_wh.jsonl"),
    "zh": ("labels_zh.jsonl", "labels_zh_r2.jsonl"),
}
#: an independent second labelling of English MFA test exchanges (same ids): the agreement between people
SECOND_LABELS = DATA / "labels_en_second.jsonl"
#: the same for White House test exchanges (100 of the 128, drawn at random)
SECOND_LABELS_WH = DATA / "labels_wh_second.jsonl"
#: each second labelling by the source it labels again
SECOND_LABEL_FILES: dict[str, Path] = {"mfa-en": SECOND_LABELS, "wh": SECOND_LABELS_WH}


def split_of(file: str) -> str:
    """The split a labelled briefing belongs to: a seeded hash of its file name, so that every exchange of one
    briefing lands in the same split (about 30% of briefings are "test")."""
    h = int(hashlib.sha256(("podium-clarity-2026:" + file).encode()).hexdigest()[:8], 16)
    return "test" if h % 100 < 30 else "train"


def load_labels(path: Path | None = None, split: str | None = None) -> list[dict[str, Any]]:
    """The hand labels of one file (default ``labels.jsonl``; ``split``: "train", "test" or None for all)."""
    path = path or LABELS
    if not path.is_file():
        raise AnalysisError(f"clarity labels are missing: {path} (reinstall podium or restore the file)")
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AnalysisError(f"{path}:{i}: not valid JSON ({exc.msg})") from exc
        if row.get("fine") not in FINE_TO_CLARITY:
            raise AnalysisError(f"{path}:{i}: unknown fine label {row.get('fine')!r}")
        if split is None or row.get("split") == split:
            rows.append(row)
    return rows


def source_of(row: dict[str, Any]) -> str:
    """Where a labelled exchange comes from: "mfa-en", "mfa-zh" or "wh" (White House), from its id."""
    rid = row["id"]
    return "wh" if rid.startswith("wh-") else "mfa-zh" if rid.startswith("mfa-zh-") else "mfa-en"


def labelled(lang: str = "en", split: str | None = None, source: str | None = None) -> list[dict[str, Any]]:
    """Every hand label of ``lang`` ("en": English MFA and White House; "zh": Chinese MFA) in the files of
    ``LABEL_FILES`` that are present, one row per exchange (the first file's label wins), in file order;
    ``split`` and ``source`` ("mfa-en", "mfa-zh", "wh") filter."""
    if lang not in LABEL_FILES:
        raise AnalysisError(f"no clarity labels for language {lang!r}; use one of {', '.join(LABEL_FILES)}")
    seen: set[str] = set()
    out = []
    for name in LABEL_FILES[lang]:
        path = DATA / name
        if not path.is_file() and name != LABEL_FILES[lang][0]:
            continue
        for row in load_labels(path):
            if row["id"] in seen:
                continue
            seen.add(row["id"])
            if row.get("split") not in ("train", "test"):
                # the first 70 Chinese labels were an evaluation set for the cue rules ("zh-eval"); they join the
                # briefing-grouped split like every other label
                row["split"] = split_of(row["file"])
            if (split is None or row.get("split") == split) and (source is None or source_of(row) == source):
                out.append(row)
    return out
