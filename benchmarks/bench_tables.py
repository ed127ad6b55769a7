"""The aggregate tables and exports at scale: `podium outlets`, `podium clarity`, `podium stats`, the web's outlets
page (its three tables) and `podium export`, each timed in a fresh process with its peak memory, on an analysed
database made K times larger.

    .venv/bin/python benchmarks/bench_tables.py --workdir /tmp/tables --replicate 17     # ~200k exchanges
    .venv/bin/python benchmarks/bench_tables.py --workdir /tmp/tables --replicate 85     # ~1M exchanges
    PODIUM_SRC=../old/src .venv/bin/python benchmarks/bench_tables.py --workdir /tmp/tables --replicate 17 \\
        --out old.json                                                             # another checkout's code
    .venv/bin/python benchmarks/bench_tables.py --workdir /tmp/tables --replicate 17 --compare old.json

The database: the whole shared MFA corpus (English and Chinese, 1,405 briefings, 11,730 exchanges) ingested with
every analysis pass (clarity, countries, formulations) and its events linked, built once in --workdir; then copied
K times over into one database (ids offset, keys suffixed: each copy keeps its events, links and annotations),
so that the tables count real, fully analysed exchanges in the proportions of the corpus. A resampled database of
``bench_search.py`` has no events or analysis, which these tables rest on.

Also ``podium export`` of every exchange in each format (to a file in --workdir, removed after; its SHA-256 is
what is compared: of the file for csv and jsonl, of the frame read back for parquet).

Prints, per call: wall time and the process's peak resident memory (Linux ``ru_maxrss``; the imports included).
``--out`` writes the tables (with their attrs) as JSON; ``--compare`` checks them against another run's (floats to
1e-9: corrected shares are solved in another order by another solver at ~1e-13). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PODIUM_SHARED", ROOT.parent / "shared"))
SRC = os.environ.get("PODIUM_SRC", str(ROOT / "src"))  # PODIUM_SRC: another checkout's code

#: What is timed: name -> the facade calls (one process each).
CALLS = {
    "outlets": "pod.outlets()",
    "outlets --lang en": "pod.outlets(lang='en')",
    "outlets 2019": "pod.outlets(date_from='2019-01-01', date_to='2019-12-31')",
    "clarity by spokesperson": "pod.clarity(by='spokesperson', min_answers=20)",
    "clarity by year": "pod.clarity(by='period', per='year')",
    "clarity by outlet type, zh": "pod.clarity(by='outlet-type', lang='zh')",
    "web outlets page (3 tables)": "[pod.outlets(), pod.clarity(by='spokesperson', min_answers=20), "
                                   "pod.clarity(by='period', per='year')]",
    "stats": "pod.stats()",
    "export csv": "export(pod, 'csv')",
    "export jsonl": "export(pod, 'jsonl')",
    "export parquet": "export(pod, 'parquet')",
}

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
from podium import Podium
pod = Podium({db!r}, create=False)
def export(pod, fmt):
    import hashlib, os, pandas
    path = {db!r} + ".bench-export." + fmt
    rows = pod.export(fmt, path)
    global wall, peak  # the export's own, before the check below reads the file back
    wall, peak = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    data = open(path, "rb").read() if fmt != "parquet" else pandas.read_parquet(path).to_json().encode()
    os.remove(path)
    return {{"rows": rows, "sha256": hashlib.sha256(data).hexdigest()}}
wall = peak = None
t = time.perf_counter()
out = {call}
if wall is None:
    wall, peak = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
frames = out if isinstance(out, list) else [out]
def table(f):
    if hasattr(f, "to_dict") and hasattr(f, "columns"):
        return {{"data": json.loads(f.to_json(orient="split")),
                "attrs": json.loads(json.dumps(dict(f.attrs), default=str))}}
    return json.loads(json.dumps(f.to_dict() if hasattr(f, "to_dict") else f, default=str))
print(json.dumps({{"wall": wall, "peak_mb": peak,
                  "tables": [table(f) for f in frames]}}))
"""


def build_base(workdir: Path) -> Path:
    db = workdir / "mfa-analysed.db"
    if db.exists():
        return db
    sys.path.insert(0, SRC)
    from podium import Podium

    t = time.perf_counter()
    with Podium(db) as pod:
        report = pod.ingest([SHARED / "corpus" / "mfa"], analyse=True)
    print(f"built {db}: {report.count('added')} briefings, analysed, in {time.perf_counter() - t:.1f} s", flush=True)
    return db


def replicate(base: Path, out: Path, k: int) -> Path:
    """``base`` copied ``k`` times into ``out`` (ids offset, keys suffixed #i)."""
    if out.exists():
        return out
    tmp = out.with_suffix(".tmp")
    shutil.copy(base, tmp)
    c = sqlite3.connect(tmp)
    c.execute("PRAGMA journal_mode=OFF")
    c.execute("PRAGMA synchronous=OFF")

    def columns(table: str) -> list[str]:
        return [r[1] for r in c.execute(f"PRAGMA table_info({table})")]

    top = {t: c.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]
           for t in ("briefings", "exchanges", "turns", "events", "version_differences")}
    c.execute("ATTACH ? AS s", (str(base),))
    for i in range(1, k):
        def copy(table: str, shifted: dict[str, str]) -> None:
            cols = columns(table)
            select = ", ".join(shifted.get(x, x) for x in cols)
            c.execute(f"INSERT INTO main.{table}({', '.join(cols)}) SELECT {select} FROM s.{table}")

        b, e, v = i * top["briefings"], i * top["exchanges"], i * top["events"]
        copy("events", {"id": f"id + {v}", "key": f"key || '#{i}'"})
        copy("briefings", {"id": f"id + {b}", "key": f"key || '#{i}'", "event_id": f"event_id + {v}"})
        copy("exchanges", {"id": f"id + {e}", "briefing_id": f"briefing_id + {b}"})
        copy("turns", {"id": f"id + {i * top['turns']}", "briefing_id": f"briefing_id + {b}"})
        copy("annotations", {"exchange_id": f"exchange_id + {e}"})
        copy("exchange_links", {"exchange_id": f"exchange_id + {e}", "counterpart_id": f"counterpart_id + {e}",
                                "event_id": f"event_id + {v}"})
        copy("version_differences", {"id": f"id + {i * top['version_differences']}", "event_id": f"event_id + {v}"})
        c.commit()
    c.close()
    tmp.rename(out)
    index = base.with_name(base.name + ".index")
    if index.exists():  # the index is not what is measured; the tables never read it
        shutil.copytree(index, out.with_name(out.name + ".index"))
    return out


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, required=True, help="keeps the analysed and the replicated databases")
    ap.add_argument("--replicate", type=int, default=17, help="copies of the analysed corpus (17: ~200k exchanges)")
    ap.add_argument("--calls", nargs="*", default=list(CALLS), help=f"of: {', '.join(CALLS)}")
    ap.add_argument("--out", type=Path, help="write the tables as JSON")
    ap.add_argument("--compare", type=Path, help="compare the tables with a JSON written by --out")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = replicate(build_base(args.workdir), args.workdir / f"mfa-x{args.replicate}.db", args.replicate)
    with sqlite3.connect(db) as c:
        n = c.execute("SELECT count(*) FROM exchanges").fetchone()[0]
    load = os.getloadavg()[0]
    print(f"{db}: {n:,} exchanges ({args.replicate} copies of the analysed MFA corpus); code {SRC}; "
          f"load average {load:.1f}")
    results = {}
    for name in args.calls:
        proc = subprocess.run([sys.executable, "-c", CHILD.format(src=SRC, db=str(db), call=CALLS[name])],
                              capture_output=True, text=True)
        if proc.returncode:
            print(f"{name:30s} failed: {proc.stderr.strip().splitlines()[-1]}")
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        results[name] = res["tables"]
        print(f"{name:30s} {res['wall']:8.2f} s   peak {res['peak_mb']:7.0f} MB", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False))
    if args.compare:
        other = json.loads(args.compare.read_text())
        for name, tables in results.items():
            if name in other:
                print(f"{name:30s} {'same tables' if same(tables, other[name]) else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
