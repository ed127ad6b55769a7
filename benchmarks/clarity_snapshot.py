"""Snapshot the clarity model's predictions, to show that a refactoring changed none of them.

    .venv/bin/python benchmarks/clarity_snapshot.py --write before.json     # on the old code
    .venv/bin/python benchmarks/clarity_snapshot.py --compare before.json   # on the new code

What it records (no training on new data, no change to the shipped files):
- the held-out test split of each language (English MFA + White House, Chinese MFA): the model trained on the train
  split, its raw label probabilities and the 3-class / 9-label decision of every exchange;
- the shipped model (``model.npz``, ``model_zh.npz``) on every labelled exchange: raw probabilities and labels;
- the seed briefing's exchanges through the clarity pass: label, fine label, probabilities, confidence, evidence;
- ``podium classify --json`` on a few labelled rows of each language (the CLI's output, line by line);
- ``evaluate()`` (English with its parts and the agreement of two labellers; Chinese; the cue baseline).

``--compare`` prints, per part, how many items were compared, how many labels differ and the largest difference
in any probability or score (labels and texts must be identical, numbers within ``--tol``, default 1e-9).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium.analysis import clarity  # noqa: E402
from podium.parse import parse_file  # noqa: E402

SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seed" / "000_32323ef4823c7adf.txt"


def _raw(split: str | None, lang: str, rows: list[dict]) -> list[dict]:
    """Raw probabilities and decisions of the ``split`` model (None: the shipped one) on ``rows``."""
    m = clarity.model(split, lang)
    pairs = [(clarity.canonical(r["question"], lang), clarity.canonical(r["answer"], lang)) for r in rows]
    probs = m.proba(pairs)
    results = clarity.predict_rows(rows, lang, split)
    return [{"id": r["id"], "classes": list(m.classes), "probs": [float(x) for x in p], "clarity": res.clarity,
             "fine": res.fine, "confidence": res.confidence}
            for r, p, res in zip(rows, probs, results, strict=True)]


def snapshot() -> dict:
    out: dict = {}
    for lang in ("en", "zh"):
        out[f"test-{lang}"] = _raw("train", lang, clarity.labelled(lang, split="test"))
        out[f"shipped-{lang}"] = _raw(None, lang, clarity.labelled(lang))
    briefing = parse_file(SEED)
    out["seed"] = [{"n": a.exchange_n, "label": a.label, "value": a.value, "confidence": a.confidence,
                    "evidence": a.evidence, "method": a.method, "version": a.version}
                   for a in clarity.ClarityPass().annotate(briefing)]
    rows = clarity.labelled("en", split="test")[::40][:8] + clarity.labelled("zh", split="test")[::25][:6]
    lines = "".join(json.dumps({"id": r["id"], "question": r["question"], "answer": r["answer"]}, ensure_ascii=False)
                    + "\n" for r in rows)
    lines += '{"id": "bad", "question": "no answer here"}\n'
    cli = subprocess.run([str(Path(sys.executable).parent / "podium"), "classify", "-", "--json"], input=lines,
                         capture_output=True, text=True, check=False)
    out["classify-cli"] = {"rc": cli.returncode, "stdout": [json.loads(x) for x in cli.stdout.splitlines()],
                           "stderr": cli.stderr.splitlines()}
    out["evaluate-en"] = clarity.evaluate("test")
    out["evaluate-zh"] = clarity.evaluate("zh")
    out["evaluate-cue"] = clarity.evaluate("test", method="cue")
    out["report-en"] = clarity.format_report(out["evaluate-en"]).splitlines()
    out["test-predictions"] = {lang: clarity.test_predictions(lang) for lang in ("en", "zh")}
    return json.loads(json.dumps(out, default=str))


def _diff(a, b, tol: float, path: str, found: list[str]) -> float:
    """The largest numeric difference between ``a`` and ``b``; anything else that differs goes into ``found``."""
    if isinstance(a, bool) or isinstance(b, bool) or not (isinstance(a, int | float) and isinstance(b, int | float)):
        if isinstance(a, dict) and isinstance(b, dict):
            if set(a) != set(b):
                found.append(f"{path}: keys {sorted(set(a) ^ set(b))}")
            return max([_diff(a[k], b[k], tol, f"{path}.{k}", found) for k in a if k in b] or [0.0])
        if isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                found.append(f"{path}: {len(a)} items, now {len(b)}")
            pairs = enumerate(zip(a, b, strict=False))  # a length change is reported above
            return max([_diff(x, y, tol, f"{path}[{i}]", found) for i, (x, y) in pairs] or [0.0])
        if a != b:
            found.append(f"{path}: {a!r} -> {b!r}")
        return 0.0
    if a != a and b != b:  # both NaN
        return 0.0
    d = abs(a - b)
    if d > tol:
        found.append(f"{path}: {a!r} -> {b!r}")
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write", type=Path, help="write the snapshot here")
    ap.add_argument("--compare", type=Path, help="compare with a snapshot written before")
    ap.add_argument("--tol", type=float, default=1e-9)
    args = ap.parse_args()
    now = snapshot()
    if args.write:
        args.write.write_text(json.dumps(now, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.write}: " + ", ".join(f"{k} ({len(v)} items)" for k, v in now.items()))
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        bad = 0
        for part in before:
            found: list[str] = []
            worst = _diff(before[part], now.get(part), args.tol, part, found)
            n = len(before[part]) if isinstance(before[part], list) else 1
            print(f"{part:18s} {n:5d} items  differences: {len(found):3d}  largest numeric difference {worst:.3g}")
            for line in found[:10]:
                print("    " + line)
            bad += len(found)
        print(f"identical (numbers within {args.tol:g})" if not bad else f"{bad} differences")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
