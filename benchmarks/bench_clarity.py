"""Clarity pass throughput on the shared MFA corpus (English and Chinese): exchanges per CPU second, one process.

Run:  nice -n 10 .venv/bin/python benchmarks/bench_clarity.py [--corpus DIR] [--batch 16]
Parses every page of the corpus once (not timed), loads both models (timed apart), then runs the clarity pass over
every briefing one at a time (what ``podium analyse`` does) and, where the pass has ``annotate_batch``, a batch
of briefings at a time (what ingest's worker processes do). CPU seconds are the figure to compare on the shared
machine (wall seconds stretch with the other jobs); prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium.analysis import clarity  # noqa: E402
from podium.parse import parse_file  # noqa: E402

SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))


def _cold() -> None:
    """Empty the clarity package's caches (sentences, cues, features), so that no run reuses another's work."""
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("podium.analysis.clarity"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def _timed(run) -> tuple[float, float]:
    _cold()
    w, c = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "mfa")
    ap.add_argument("--batch", type=int, default=16, help="briefings per call in the batched run")
    args = ap.parse_args()
    briefings = []
    for f in sorted(args.corpus.rglob("t*.htm*")):
        try:
            briefings.append(parse_file(f))
        except Exception:  # noqa: BLE001 - listing pages and other non-briefings are not counted
            continue
    n_ex = sum(len(b.exchanges) for b in briefings)
    langs = {lang: sum(len(b.exchanges) for b in briefings if (b.lang == "zh") == (lang == "zh"))
             for lang in ("en", "zh")}
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores: compare CPU seconds)")
    print(f"{args.corpus}: {len(briefings)} briefings, {n_ex:,} exchanges ({langs['en']:,} English, "
          f"{langs['zh']:,} Chinese)")
    wall, cpu = _timed(lambda: [clarity.model(None, lang) for lang in ("en", "zh")])
    print(f"loading both shipped models: {wall:.2f} s wall, {cpu:.2f} CPU s")
    p = clarity.ClarityPass()
    wall, cpu = _timed(lambda: [p.annotate(b) for b in briefings])
    print(f"clarity pass, one briefing at a time: {wall:.1f} s wall, {cpu:.1f} CPU s -> {n_ex / cpu:,.0f} exchanges "
          f"per CPU second ({n_ex / wall:,.0f} per wall second)")
    if hasattr(p, "annotate_batch"):
        k = args.batch
        wall, cpu = _timed(lambda: [p.annotate_batch(briefings[i : i + k]) for i in range(0, len(briefings), k)])
        print(f"clarity pass, {k} briefings at a time: {wall:.1f} s wall, {cpu:.1f} CPU s -> {n_ex / cpu:,.0f} "
              f"exchanges per CPU second ({n_ex / wall:,.0f} per wall second)")


if __name__ == "__main__":
    main()
