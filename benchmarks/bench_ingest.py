"""Ingest throughput over the shared MFA corpus (English and Chinese pages): pages/s and total seconds.

Run:  nice -n 10 .venv/bin/python benchmarks/bench_ingest.py [--no-analyse] [--corpus DIR]
Measures a first ingest into an empty database (parse, analysis unless --no-analyse, store, index, then linking
the English and Chinese versions into events and aligning their exchanges, timed apart), then a re-ingest of the
same pages (everything unchanged: read, hash, parse, compare). Target: first ingest of the shared MFA corpus
under 30 s on the 2-core development machine. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium import Podium  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the alignment workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    load = os.getloadavg()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))
    ap.add_argument("--corpus", type=Path, default=shared / "corpus" / "mfa")
    ap.add_argument("--no-analyse", action="store_true", help="ingest without the analysis passes")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="podium-bench-ingest-") as tmp:
        with Podium(Path(tmp) / "bench.db") as pod:
            t0, c0 = time.perf_counter(), _cpu()
            report = pod.ingest([args.corpus], analyse=not args.no_analyse, link=False)
            stored, stored_cpu = time.perf_counter() - t0, _cpu() - c0
            t0, c0 = time.perf_counter(), _cpu()
            linked = pod.link_events()
            link_s, link_cpu = time.perf_counter() - t0, _cpu() - c0
            first = stored + link_s
            pages = len(report.results)  # every file read: briefings, files skipped as not briefings, failures
            t0 = time.perf_counter()
            again = pod.ingest([args.corpus], analyse=not args.no_analyse)
            second = time.perf_counter() - t0
            stats = pod.stats()
        size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("added", "updated", "unchanged", "skipped", "failed")
                       if report.count(s) or s in ("added", "failed"))
    print(f"corpus: {args.corpus}  ({'no analysis' if args.no_analyse else 'with analysis'})")
    print(f"first ingest: {pages} files read ({counts}) -> {stats['briefings']} briefings, "
          f"{stats['exchanges']} exchanges")
    print(f"  {first:.1f} s total, {pages / first:.0f} files/s, {stats['exchanges'] / first:.0f} exchanges/s")
    print(f"  of which parse + {'analysis + ' if not args.no_analyse else ''}store + index {stored:.1f} s "
          f"({stored_cpu:.1f} CPU s); linking versions into events and aligning them {link_s:.1f} s "
          f"({link_cpu:.1f} CPU s in this process and its workers; {linked['events']} events, "
          f"{linked['realigned']} aligned, {linked['links']} exchange links, {linked['differences']} differences, "
          f"clarity carried to {linked['carried']} exchanges)")
    print(f"re-ingest (unchanged {again.count('unchanged')}): {second:.1f} s, {pages / second:.0f} files/s")
    print(f"load average before/after: {load[0]:.2f} / {os.getloadavg()[0]:.2f} (2 cores: above ~2, wall "
          "seconds stretch with the other jobs; CPU seconds do not)")
    print(f"database + index on disk: {size / 1e6:.0f} MB; annotations: {stats['annotations']}")


if __name__ == "__main__":
    main()
