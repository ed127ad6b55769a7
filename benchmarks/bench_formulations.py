"""Mine the official formulations of the whole shared MFA corpus and print timings and the top phrases.

    .venv/bin/python benchmarks/bench_formulations.py [--corpus ../shared/corpus] [--top 25]

Parsing is timed apart from mining; mining is the whole of ``podium.analysis.formulations.mine`` (n-gram
counting, cohesion, maximal-phrase merging and the per-briefing scan for first/last use and monthly use).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium.analysis.formulations import mine  # noqa: E402
from podium.errors import PodiumError  # noqa: E402
from podium.parse import parse_file  # noqa: E402

PROBES = ["community with a shared future for mankind", "inalienable part of China's territory", "bullying",
          "人类命运共同体", "不可分割的一部分", "霸凌"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    t0 = time.perf_counter()
    briefings = []
    for path in sorted((args.corpus / "mfa").glob("*/t*.html")):
        try:
            briefings.append(parse_file(path))
        except PodiumError:
            continue
    t1 = time.perf_counter()
    print(f"parsed {len(briefings)} briefings in {t1 - t0:.1f} s")
    for lang in ("en", "zh"):
        group = [b for b in briefings if b.lang == lang]
        t = time.perf_counter()
        found = mine(group)
        dt = time.perf_counter() - t
        print(f"\n[{lang}] {len(group)} briefings: {len(found)} formulations mined in {dt:.1f} s")
        for f in found[:args.top]:
            print(f"  {f.briefings:>4}  {f.first_date}..{f.last_date}  {f.text}")
        for probe in PROBES:
            hits = [f for f in found if probe.lower() in f.text.lower()]
            if hits:
                best = max(hits, key=lambda f: f.briefings)
                print(f"  probe {probe!r}: {len(hits)} phrases, e.g. {best.text!r} ({best.briefings} briefings)")


if __name__ == "__main__":
    main()
