"""Ingest throughput over the shared MFA corpus (English and Chinese pages): pages/s and total seconds.

Run:  nice -n 10 .venv/bin/python benchmarks/bench_ingest.py [--no-analyse] [--corpus DIR]
Measures a first ingest into an empty database (parse, analysis unless --no-analyse, store, index, then linking
the English and Chinese versions into events and aligning their exchanges, timed apart), then a re-ingest of the
same pages (everything unchanged: read, hash, parse, compare). Target: first ingest of the shared MFA corpus
under 30 s on the 2-core development machine. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium import Podium  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "mfa")
    ap.add_argument("--no-analyse", action="store_true", help="ingest without the analysis passes")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="podium-bench-ingest-") as tmp:
        with Podium(Path(tmp) / "bench.db") as pod:
            t0 = time.perf_counter()
            report = pod.ingest([args.corpus], analyse=not args.no_analyse, link=False)
            stored = time.perf_counter() - t0
            t0 = time.perf_counter()
            linked = pod.link_events()
            link_s = time.perf_counter() - t0
            first = stored + link_s
            pages = sum(report.count(s) for s in ("added", "updated", "unchanged", "failed"))
            t0 = time.perf_counter()
            again = pod.ingest([args.corpus], analyse=not args.no_analyse)
            second = time.perf_counter() - t0
            stats = pod.stats()
        size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("added", "skipped", "failed"))
    print(f"corpus: {args.corpus}  ({'no analysis' if args.no_analyse else 'with analysis'})")
    print(f"first ingest: {pages} pages ({counts}) -> {stats['briefings']} briefings, {stats['exchanges']} exchanges")
    print(f"  {first:.1f} s total, {pages / first:.0f} pages/s, {stats['exchanges'] / first:.0f} exchanges/s")
    print(f"  of which parse + {'analysis + ' if not args.no_analyse else ''}store + index {stored:.1f} s; "
          f"linking versions into events and aligning them {link_s:.1f} s ({linked['events']} events, "
          f"{linked['realigned']} aligned, {linked['links']} exchange links, {linked['differences']} differences, "
          f"clarity carried to {linked['carried']} exchanges)")
    print(f"re-ingest (unchanged {again.count('unchanged')}): {second:.1f} s, {pages / second:.0f} pages/s")
    print(f"database + index on disk: {size / 1e6:.0f} MB; annotations: {stats['annotations']}")


if __name__ == "__main__":
    main()
