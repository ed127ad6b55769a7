"""Score the country-mention matcher against the hand labels and time it over the whole shared MFA corpus.

    .venv/bin/python benchmarks/eval_countries.py [--split test|dev|all] [--corpus ../shared/corpus] [--no-speed]

Labels: src/podium/data/countries_labels.jsonl. Split "test" was labelled blind (gold written from the text alone,
after the gazetteer's last change); "dev" was labelled with the matcher's output in view and its misses were used
to fix the gazetteer, so its figures are optimistic. Speed: exchanges per second for question + answer, parsing
excluded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium.analysis.countries import CountriesPass, evaluate, format_report  # noqa: E402
from podium.errors import PodiumError  # noqa: E402
from podium.parse import parse_file  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="test", choices=["test", "dev", "all"])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    split = None if args.split == "all" else args.split
    print(format_report(evaluate(split=split)))
    orgs = evaluate(split=split, fields=("orgs_question", "orgs_answer"))["micro"]
    print(f"  organisations and regions: P {orgs['precision']:.3f}  R {orgs['recall']:.3f}  F1 {orgs['f1']:.3f}"
          f"  (tp {orgs['tp']}, fp {orgs['fp']}, fn {orgs['fn']})")
    if args.no_speed:
        return
    briefings = []
    for path in sorted((args.corpus / "mfa").glob("*/t*.html")):
        try:
            briefings.append(parse_file(path))
        except PodiumError:
            continue
    p = CountriesPass()
    t0 = time.perf_counter()
    n = sum(len(p.annotate(b)) for b in briefings)
    dt = time.perf_counter() - t0
    print(f"\nSpeed: {n} exchanges of {len(briefings)} MFA briefings annotated in {dt:.2f} s "
          f"({n / dt:,.0f} exchanges/s)")


if __name__ == "__main__":
    main()
