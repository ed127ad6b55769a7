"""``python -m podium.analysis.clarity --export-model``: retrain on all labels and write the shipped models."""

from __future__ import annotations

import argparse

from .classifier import model_fingerprint
from .export import export_all

ap = argparse.ArgumentParser(prog="python -m podium.analysis.clarity", description=__doc__.split("\n")[0])
ap.add_argument("--export-model", action="store_true",
                help="retrain every language's model on all its labels and write data/clarity/model*.npz and "
                     "test_predictions.json")
args = ap.parse_args()
if args.export_model:
    for out in export_all():
        print(f"wrote {out} ({out.stat().st_size} bytes)")
    print("fingerprints: " + ", ".join(f"{lang} {model_fingerprint(lang)[:12]}" for lang in ("en", "zh")))
else:
    ap.print_help()
