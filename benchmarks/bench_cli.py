"""CLI start-up: wall time of `podium --help` and a simple `podium search` on a real database, with the bare Python
start-up beside them (same run), and what `import podium.cli` pulls in.

Run:  nice -n 10 .venv/bin/python benchmarks/bench_cli.py --db MFA.db [--runs 10] [--query trade] [--before DIR]
(--before DIR [--before-db COPY.db]: also run podium from another source tree, e.g. `git archive REV src | tar
-x -C DIR`, side by side, on a copy of the database.)
(MFA.db: e.g. `podium ingest ../shared/corpus/mfa --db MFA.db --no-analyse`.) Each command runs --runs times
in a fresh process; prints the median and the fastest wall time in seconds and the load average (the machine
is shared: compare figures of one run only). Targets (issue 12): --help under 0.25 s, search under 0.4 s.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "sklearn", "numpy", "tantivy", "starlette", "uvicorn", "httpx", "selectolax", "pyarrow")


def wall(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True, help="a podium database (the MFA corpus) to search")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--query", default="trade")
    ap.add_argument("--before", type=Path, help="a folder holding another podium's src/ to time beside this one")
    ap.add_argument("--before-db", type=Path, help="the database for --before (a copy: an index of another "
                    "version would be rebuilt by each podium in turn)")
    args = ap.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db}: no such database; build one with `podium ingest ../shared/corpus/mfa --db {args.db}`")
    cases = [("python -c pass (bare start-up)", [sys.executable, "-c", "pass"])]
    trees = [("", ROOT / "src", args.db)] + ([("before: ", args.before / "src", args.before_db or args.db)]
                                             if args.before else [])
    for label, src, db in trees:
        # byte-compiled, as an installed podium is (PYTHONDONTWRITEBYTECODE would recompile every module per run)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=False)
        podium = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(src)!r}); "
                  "from podium.cli import main; sys.argv[0] = 'podium'; sys.exit(main())"]
        cases += [(f"{label}podium --help", podium + ["--help"]),
                  (f"{label}podium search {args.query} --limit 10",
                   podium + ["search", args.query, "--limit", "10", "--db", str(db)])]
    for _, cmd in cases[1:]:
        wall(cmd, 1)  # warm the page cache (and build each podium's index of its version)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'command':44} {'median s':>9} {'min s':>7}   ({args.runs} runs each)")
    for name, cmd in cases:
        ts = wall(cmd, args.runs)
        print(f"{name:44} {statistics.median(ts):9.3f} {min(ts):7.3f}")
    probe = f"import sys, podium.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules) or '-')"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip()
    print(f"heavy libraries loaded by `import podium.cli` (of {', '.join(HEAVY)}): {loaded}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
