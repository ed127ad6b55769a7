"""Analysis throughput on White House pages (long answers): parse and each analysis pass, seconds per page and
share of the total, then (with --ingest) a whole ingest with the passes in one process vs in worker processes,
checking that both store the same annotations.

Run:  nice -n 10 .venv/bin/python benchmarks/bench_analysis.py [--pages 60] [--ingest] [--workers 2]
      .venv/bin/python benchmarks/bench_analysis.py --db DB [--workers 2]
Pages: every k-th file of $PODIUM_SHARED/corpus/whitehouse/2009-2016 (sorted), k chosen to spread --pages over
the 2009-2016 folder. Prints figures and the load average (the machine is shared: compare within one run);
asserts nothing.

--db: the passes of ``podium analyse`` over every briefing a database stores (e.g. a resampled database that
``bench_search.py --workdir`` keeps), each pass run by ``pipeline.run_pass`` on a copy of the database in one
process and then with --workers processes, checking that both write the same annotations.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from podium.parse import parse_file  # noqa: E402
from podium.pipeline import analysis_passes, ingest, run_pass  # noqa: E402
from podium.store import Database  # noqa: E402

FOLDER = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared")) / "corpus" / "whitehouse" / "2009-2016"


def annotations(path: str) -> list[tuple]:
    c = sqlite3.connect(path)
    try:
        return c.execute("SELECT b.key, e.n, a.kind, a.label, a.value FROM annotations a JOIN exchanges e "
                         "ON e.id = a.exchange_id JOIN briefings b ON b.id = e.briefing_id ORDER BY 1, 2, 3").fetchall()
    finally:
        c.close()


def passes_over(db_path: Path, workers: int) -> None:
    """Each pass of ``podium analyse`` over every stored briefing, in one process and in ``workers``."""
    import shutil

    from podium.analysis import default_passes
    from podium.store import analytics

    kept = {}
    for n in sorted({1, workers}):
        work = Path(tempfile.mkdtemp(prefix="podium-bench-"))
        path = work / db_path.name
        shutil.copy(db_path, path)
        if Path(f"{db_path}.index").is_dir():
            shutil.copytree(f"{db_path}.index", f"{path}.index")
        db = Database(path)
        for p in default_passes(["clarity", "countries"]):
            t, c = time.perf_counter(), os.times()
            written = run_pass(db, p, redo=True, workers=n)
            took, c2 = time.perf_counter() - t, os.times()
            cpu = c2.user + c2.system + c2.children_user + c2.children_system - c.user - c.system - \
                c.children_user - c.children_system
            print(f"{p.name:10} {n} process(es): {written:,} annotations in {took:.1f} s ({written / took:,.0f}/s), "
                  f"CPU {cpu:.1f} s; load {os.getloadavg()[0]:.2f}", flush=True)
        t = time.perf_counter()
        db.flush()
        print(f"{'':10} index brought up to date in {time.perf_counter() - t:.1f} s", flush=True)
        briefings = len(analytics.briefing_ids(db.store))
        db.close()
        kept[n] = annotations(str(path))
        shutil.rmtree(work)
    print(f"{briefings:,} briefings; same annotations in 1 and {workers} process(es): {kept[1] == kept[workers]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--ingest", action="store_true", help="also time whole ingests, 1 process vs --workers")
    ap.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4))
    ap.add_argument("--db", type=Path, help="time the passes over every briefing of this database instead")
    args = ap.parse_args()
    if args.db:
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        passes_over(args.db, args.workers)
        return
    files = [f for f in sorted(FOLDER.rglob("*")) if f.is_file()]
    if not files:
        sys.exit(f"{FOLDER}: no White House pages; set PODIUM_SHARED to the shared folder")
    files = files[::max(1, len(files) // args.pages)][:args.pages]
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    t = time.perf_counter()
    briefings = []
    for f in files:
        try:
            briefings.append(parse_file(f))
        except Exception as exc:  # noqa: BLE001 - a page podium does not take is reported, not fatal
            print(f"  skipped {f.name}: {type(exc).__name__}: {exc}")
    times = {"parse": time.perf_counter() - t}
    n_ex = sum(len(b.exchanges) for b in briefings)
    for p in analysis_passes():
        t = time.perf_counter()
        for b in briefings:
            p.annotate(b)
        times[p.name] = time.perf_counter() - t
    total = sum(times.values())
    print(f"{len(briefings)} White House pages (2009-2016), {n_ex:,} exchanges, one process")
    print(f"{'step':14} {'seconds':>8} {'s/page':>8} {'share':>6}")
    for name, s in times.items():
        print(f"{name:14} {s:8.2f} {s / max(len(briefings), 1):8.3f} {s / total:6.0%}")
    if not args.ingest:
        return
    kept = {}
    for workers in sorted({1, args.workers}):
        path = os.path.join(tempfile.mkdtemp(prefix="podium-bench-"), "wh.db")
        db = Database(path)
        t = time.perf_counter()
        ingest(db, files, workers=workers, link=False)
        took = time.perf_counter() - t
        db.close()
        kept[workers] = annotations(path)
        print(f"ingest with analysis, {workers} process(es) for the passes: {len(files)} pages in {took:.1f} s "
              f"({len(files) / took:.2f} pages/s), {len(kept[workers]):,} annotations; load "
              f"{os.getloadavg()[0]:.2f}")
    if len(kept) > 1:
        print("same annotations:", kept[1] == kept[args.workers])


if __name__ == "__main__":
    main()
